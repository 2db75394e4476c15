// The agent API: cases (the queue, or a search by an exact key), a case with its timeline and its evidence from the ledger, actions, incidents opened by hand, who opened a confidential case, a download link to an attachment, and (for leads) the
// mail held in quarantine; and for other teams (role internal) their own escalations, the answers to the
// consults asked of them. API Gateway has verified the token already; each route checks the role it serves.
import { parseAgentAction } from '#events/agent-action.ts';
import { AttachmentPathSchema, CasePathSchema, parseCaseQuery } from '#events/case-query.ts';
import { ConsultPathSchema, parseConsultAnswer } from '#events/consult.ts';
import { parseNewIncident } from '#events/incident.ts';
import { parseInternalCase, parseInternalQuery } from '#events/internal-case.ts';
import { parseQuarantineQuery } from '#events/quarantine-query.ts';
import { parsePath } from '#events/request.ts';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { DynamoMacroStore } from '#lib/adapters/dynamodb-macros.ts';
import { S3AttachmentLinks } from '#lib/adapters/s3.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { ValidationError } from '#lib/errors.ts';
import { evidencePolicy } from '#lib/evidence-policy.ts';
import { confidentiality, fourEyes } from '#lib/governance-config.ts';
import { agentFrom, httpApi, json, readBody, requireRole, valid } from '#lib/http.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { internalPolicy } from '#lib/internal-config.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase } from '#lib/use-cases/act-on-case.ts';
import { answerConsultByApi } from '#lib/use-cases/answer-consult.ts';
import { caseEvidence, type CaseEvidenceDeps } from '#lib/use-cases/case-evidence.ts';
import { attachmentLink, type AttachmentDeps } from '#lib/use-cases/download-attachment.ts';
import { openIncidentByHand } from '#lib/use-cases/incidents.ts';
import { escalateOwnCase, listOwnCases, openInternalCase, readOwnCase } from '#lib/use-cases/internal-cases.ts';
import { macrosForCase } from '#lib/use-cases/manage-macros.ts';
import { caseViews, listCases, openCase, searchCases } from '#lib/use-cases/read-cases.ts';

const env = loadEnv('cases-api');
const store = new DynamoCaseStore(env.CASES_TABLE, env.PROFILES_TABLE);
const macros = new DynamoMacroStore(env.MACROS_TABLE);
const agents = new DynamoAgentDirectory(env.AGENTS_TABLE);
const downloads: AttachmentDeps = { store, links: new S3AttachmentLinks(env.MAIL_BUCKET, systemClock), clock: systemClock, confidentiality };
const evidence: CaseEvidenceDeps = { store, ledger: new DynamoLedger(env.LEDGER_TABLE), clock: systemClock, confidentiality, policy: evidencePolicy };
const READERS = ['agent', 'lead', 'risk'] as const;
const CALLERS = [...READERS, 'internal'] as const;
const INCIDENT_OPENERS = ['lead', 'risk'] as const;
const MAX_ACTION_BYTES = 64 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
const isInternal = (roles: readonly string[]) => roles.includes('internal') && !roles.some((r) => (READERS as readonly string[]).includes(r));

export const handler = httpApi(
  {
    'GET /cases': async (event) => {
      requireRole(agentFrom(event), READERS);
      const query = valid(parseCaseQuery(event.queryStringParameters)).value;
      if (query.q !== undefined) return json(200, await searchCases(store, { q: query.q, limit: query.limit }));
      return json(200, await listCases(store, query));
    },
    'GET /cases/{caseId}': async (event) => {
      const agent = agentFrom(event);
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      // Another team's person reads only the cases it follows.
      if (isInternal(agent.roles)) return json(200, await readOwnCase(store, agent, caseId));
      return json(200, await openCase({ store, clock: systemClock, confidentiality }, { caseId, viewer: agent, route: `${event.httpMethod} ${event.resource}` }));
    },
    // The macro picker: every macro, those fitting the case first, each previewed on the case (escaped).
    'GET /cases/{caseId}/macros': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, READERS);
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      const found = await openCase({ store, clock: systemClock, confidentiality }, { caseId, viewer: agent, route: `${event.httpMethod} ${event.resource}` });
      const name = (await agents.getAgent(agent.id))?.name;
      return json(200, { items: await macrosForCase({ macros }, found.case, name) });
    },
    // A 302 to a five-minute presigned link (a browser or `curl -L` follows it with no token); with
    // `Accept: application/json` the link as JSON, for a script page that must send the bearer token itself.
    'GET /cases/{caseId}/attachments/{n}': async (event) => {
      const { caseId, n } = valid(parsePath(AttachmentPathSchema, event.pathParameters)).value;
      const link = await attachmentLink(downloads, { caseId, n, viewer: agentFrom(event), route: `${event.httpMethod} ${event.resource}` });
      if (/\bapplication\/json\b/i.test(event.headers?.accept ?? '')) return json(200, link);
      return json(302, link, { location: link.url });
    },
    // The evidence panel: findings as gathered, the requester's ledger read now, the linked accounts' cases.
    'GET /cases/{caseId}/evidence': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, READERS);
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      return json(200, await caseEvidence(evidence, { caseId, viewer: agent, route: `${event.httpMethod} ${event.resource}` }));
    },
    'GET /cases/{caseId}/views': async (event) => {
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      return json(200, await caseViews(store, { caseId, agent: agentFrom(event) }));
    },
    // Mail held instead of becoming a case (automatic mail by default): leads only.
    'GET /quarantine': async (event) => {
      requireRole(agentFrom(event), ['lead']);
      return json(200, await store.listQuarantined(valid(parseQuarantineQuery(event.queryStringParameters)).value));
    },
    // A consulted internal team answers (role internal; teams that answer by email only are refused).
    'POST /cases/{caseId}/consults/{consultId}/answer': async (event) => {
      const { caseId, consultId } = valid(parsePath(ConsultPathSchema, event.pathParameters)).value;
      const { answer } = valid(parseConsultAnswer(readBody(event, MAX_ACTION_BYTES))).value;
      return json(200, await answerConsultByApi({ store, clock: systemClock, sla: policies.sla, teams: teamsPolicy }, { caseId, consultId, agent: agentFrom(event), answer }));
    },
    'POST /cases/{caseId}/actions': async (event) => {
      const agent = agentFrom(event);
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      const { action, expectedVersion } = valid(parseAgentAction(readBody(event, MAX_ACTION_BYTES)));
      // Another team's person may only escalate a case it follows; every other action is an agent's.
      if (isInternal(agent.roles) && action.type === 'escalate') {
        return json(200, await escalateOwnCase({ store, clock: systemClock, sla: policies.sla, internal: internalPolicy }, { caseId, agent, reason: action.reason, expectedVersion }));
      }
      requireRole(agent, READERS);
      const acted = await actOnCase({ store, clock: systemClock, sla: policies.sla, fourEyes, teams: teamsPolicy, macros, agents }, { caseId, agent, action, expectedVersion });
      // A resolve-linked that reached its time budget: 202, the same request again goes on.
      return json(acted.result?.complete === false ? 202 : 200, acted);
    },
    // A lead or the risk team opens an incident by hand; cases are then linked to it (action link-incident).
    'POST /incidents': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, INCIDENT_OPENERS);
      const key = event.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' }]);
      const input = valid(parseNewIncident(readBody(event, MAX_ACTION_BYTES))).value;
      const result = await openIncidentByHand({ store, clock: systemClock, policies, newCaseId, newReference }, { agent, input, ...(key && { idempotencyKey: key }) });
      return json(201, { caseId: result.caseId, reference: result.reference }, result.replayed ? { 'idempotent-replayed': 'true' } : {});
    },
    'POST /internal/cases': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, ['internal']);
      const key = event.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' }]);
      const input = valid(parseInternalCase(readBody(event, MAX_ACTION_BYTES))).value;
      const deps = { store, clock: systemClock, policies, newCaseId, newReference, internal: internalPolicy };
      const result = await openInternalCase(deps, { agent, input, ...(key && { idempotencyKey: key }) });
      return json(201, { caseId: result.caseId, reference: result.reference }, result.replayed ? { 'idempotent-replayed': 'true' } : {});
    },
    'GET /internal/cases': async (event) => json(200, await listOwnCases(store, agentFrom(event), valid(parseInternalQuery(event.queryStringParameters)).value)),
  },
  { roles: CALLERS },
);
