// Priority of an inquiry from its risk score, its category's floor, and safety-critical
// content. Pure: no AWS, no I/O.

import { PRIORITIES, type Category, type Priority } from '../case.ts';
import type { SafetyHit, TextScan, TriagePolicy } from './policy.ts';

export interface PriorityInput {
  riskScore: number;
  category: Category;
  /** Keywords found in subject + message (scanText); its safety hits force P1. */
  scan: TextScan;
}

export interface PriorityDecision {
  priority: Priority;
  /** Subject or message mentions minors or self-harm: always P1. */
  safetyCritical: boolean;
  /** The safety-critical phrases found (empty unless safetyCritical). */
  safetyHits: SafetyHit[];
  /** One line for agents on why this priority. */
  reason: string;
}

/** P1 is most urgent. */
function moreUrgent(a: Priority, b: Priority): Priority {
  return PRIORITIES.indexOf(a) <= PRIORITIES.indexOf(b) ? a : b;
}

/** Priority from the score alone: score >= P1 threshold -> P1, ... , else P4. */
export function priorityFromScore(riskScore: number, policy: TriagePolicy): Priority {
  const t = policy.priority.thresholds;
  if (riskScore >= t.P1) return 'P1';
  if (riskScore >= t.P2) return 'P2';
  if (riskScore >= t.P3) return 'P3';
  return 'P4';
}

export function decidePriority(input: PriorityInput, policy: TriagePolicy): PriorityDecision {
  const safetyHits = input.scan.safety;
  if (safetyHits.length > 0) {
    const groups = [...new Set(safetyHits.map((h) => (h.group === 'minors' ? 'minors' : 'self-harm')))].join(' and ');
    const phrases = safetyHits.map((h) => `"${h.keyword}"`).join(', ');
    return {
      priority: 'P1',
      safetyCritical: true,
      safetyHits,
      reason: `Safety-critical (${groups}): ${phrases}`,
    };
  }

  const fromScore = priorityFromScore(input.riskScore, policy);
  const floor = policy.priority.categoryMinimum[input.category];
  if (floor !== undefined && moreUrgent(floor, fromScore) !== fromScore) {
    return {
      priority: floor,
      safetyCritical: false,
      safetyHits,
      reason: `Risk score ${input.riskScore} gives ${fromScore}; category ${input.category} is at least ${floor}`,
    };
  }
  return { priority: fromScore, safetyCritical: false, safetyHits, reason: `Risk score ${input.riskScore} gives ${fromScore}` };
}
