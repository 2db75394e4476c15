// The assignment policy (config/assignment-policy.json), validated once per cold start.
import { parseAssignmentPolicy } from '#domain/assignment.ts';
import assignmentJson from '../../config/assignment-policy.json' with { type: 'json' };

export const assignmentPolicy = parseAssignmentPolicy(assignmentJson);
