// The teams agents consult (config/teams.json) parsed by the domain's rules, once per cold start. A module
// of its own so that functions which never consult (the web intake) neither carry nor parse it.
import { parseTeamsPolicy } from '#domain/consult.ts';
import teamsJson from '../../config/teams.json' with { type: 'json' };

export const teamsPolicy = parseTeamsPolicy(teamsJson);
