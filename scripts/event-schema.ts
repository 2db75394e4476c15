// Writes events/domain-events.v1.schema.json: the published domain events' schema (events/domain-events.ts) as
// JSON Schema, for subscribing teams that do not use zod. A unit test fails when the file and the zod schema
// drift apart; `npm run events:schema` brings the file back in line.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { domainEventsJsonSchema } from '#events/domain-events.ts';

const file = fileURLToPath(new URL('../events/domain-events.v1.schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(domainEventsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
