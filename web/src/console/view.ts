import type { Api } from './api.ts';
import type { Session } from './auth.ts';

/** What every view gets; a view renders into `main` and may return a cleanup for when it is left. */
export interface ViewContext {
  api: Api;
  session: Session;
  main: HTMLElement;
  navigate(hash: string): void;
  /** Re-run the current route (after an action, or "reload"). */
  refresh(): void;
  /** Set the title and put focus on the view's heading (what a page load would do). */
  arrive(title: string, heading: HTMLElement): void;
}

export type View = (ctx: ViewContext, params: URLSearchParams, ...args: string[]) => Promise<(() => void) | undefined>;
