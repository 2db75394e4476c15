// The agents API's inputs: a lead's agent record (PUT /agents/{agentId}) and an agent's availability
// (POST /agents/me/availability). Parsed here so a bad field is a 400 that names it.
import * as z from 'zod/mini';
import { AGENT_RECORD_ROLES, AVAILABILITIES, type AgentRecord, type Availability } from '#domain/assignment.ts';
import { parseWith, type Parsed } from './request.ts';

export const AgentPathSchema = z.object({
  agentId: z.string().check(z.regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be 1 to 128 letters, digits or . _ @ : -')),
});

const AgentInputSchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, 'is required'), z.maxLength(200, 'is at most 200 characters')),
  role: z.enum(AGENT_RECORD_ROLES, `must be one of ${AGENT_RECORD_ROLES.join(', ')}`),
  capacity: z.optional(z.number('must be a whole number from 0 to 1000').check(z.int('must be a whole number from 0 to 1000'), z.gte(0), z.lte(1000))),
  availability: z.optional(z.enum(AVAILABILITIES, `must be one of ${AVAILABILITIES.join(', ')}`)),
});

const AvailabilitySchema = z.strictObject({ availability: z.enum(AVAILABILITIES, `must be one of ${AVAILABILITIES.join(', ')}`) });

export interface AgentInput {
  name: string;
  role: AgentRecord['role'];
  capacity?: number;
  availability?: Availability;
}

export const parseAgentInput = (body: unknown): Parsed<AgentInput> => parseWith(AgentInputSchema, body) as Parsed<AgentInput>;
export const parseAvailability = (body: unknown): Parsed<{ availability: Availability }> => parseWith(AvailabilitySchema, body);
