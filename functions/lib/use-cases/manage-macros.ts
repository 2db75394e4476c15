// Canned replies (macros): leads create, edit (with the version they saw) and delete them; every agent role
// lists them, ordered for a case's category when one is given (fitting macros first) and each with its
// preview for that case when a case is named. The body was checked against the closed list of placeholders
// when it was parsed (events/macro.ts), so nothing stored can name a placeholder the renderer does not know.
import type { CaseRecord } from '#domain/case.ts';
import { orderForCase, renderHtml, renderText, valuesFor, type Macro } from '#domain/macro.ts';
import type { MacroInput } from '#events/macro.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Clock, MacroStore } from '../ports.ts';

export interface MacroDeps {
  macros: MacroStore;
  clock: Clock;
  newId: () => string;
}

export async function createMacro(deps: MacroDeps, input: MacroInput, by: string): Promise<Macro> {
  const macro: Macro = { macroId: deps.newId(), ...input, version: 1, updatedAt: deps.clock.now().toISOString(), updatedBy: by };
  await deps.macros.saveMacro(macro, undefined);
  return macro;
}

export async function updateMacro(deps: MacroDeps, macroId: string, input: MacroInput, expectedVersion: number, by: string): Promise<Macro> {
  const current = await deps.macros.getMacro(macroId);
  if (!current) throw new NotFoundError(`No macro ${macroId}`);
  if (current.version !== expectedVersion) throw new ConflictError(`The macro is at version ${current.version}, not ${expectedVersion}; reload it and try again`);
  const macro: Macro = { macroId, ...input, version: current.version + 1, updatedAt: deps.clock.now().toISOString(), updatedBy: by };
  await deps.macros.saveMacro(macro, expectedVersion);
  return macro;
}

export async function deleteMacro(deps: Pick<MacroDeps, 'macros'>, macroId: string): Promise<void> {
  if (!(await deps.macros.deleteMacro(macroId))) throw new NotFoundError(`No macro ${macroId}`);
}

export interface MacroListing extends Macro {
  fits: boolean;
  preview: { text: string; html: string };
}

/** Every macro, by name. */
export const listMacros = (deps: Pick<MacroDeps, 'macros'>): Promise<Macro[]> => deps.macros.listMacros();

/** The macros for one case: those fitting its category first, each with what it would send on that case (HTML escaped). */
export async function macrosForCase(deps: Pick<MacroDeps, 'macros'>, record: CaseRecord, agentName: string | undefined): Promise<MacroListing[]> {
  const values = valuesFor(record, { name: agentName });
  return orderForCase(await deps.macros.listMacros(), record.category).map((m) => ({
    ...m,
    fits: m.categories.includes(record.category),
    preview: { text: renderText(m, values), html: renderHtml(m, values).toString() },
  }));
}
