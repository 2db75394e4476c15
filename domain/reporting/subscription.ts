// A report subscription's identity: one per cadence and address, so subscribing twice is one subscription.
// The id is the pair itself (base64url), which lets a DELETE name it without a lookup table.
export type Cadence = 'daily' | 'weekly';

export const subscriptionIdOf = (cadence: Cadence, email: string): string => Buffer.from(`${cadence}#${email}`).toString('base64url');

/** The cadence and address an id names, or undefined when it names none. */
export const subscriptionOfId = (id: string): { cadence: Cadence; email: string } | undefined => {
  const [cadence, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split('#');
  const email = rest.join('#');
  if ((cadence !== 'daily' && cadence !== 'weekly') || !email) return undefined;
  return { cadence, email };
};
