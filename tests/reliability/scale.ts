// Sizes of the reliability suite: light inside `npm test`, heavy under `npm run test:reliability`.
export const heavy = process.env.TRUSTDESK_RELIABILITY === 'heavy';

/** The light size in `npm test`, the heavy one in `npm run test:reliability`. */
export const sized = (light: number, heavyCount: number): number => (heavy ? heavyCount : light);
