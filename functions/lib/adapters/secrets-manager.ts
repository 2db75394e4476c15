// The rating links' signing key, from the Secrets Manager secret the stack generates (infra/constructs/ratings.ts).
// Read once per cold start and kept for the life of the container: a rotation reaches new containers, and a
// link signed with the old key then reads as forged (the page says to use the latest email).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SigningKey } from '../ports.ts';

export class SecretsManagerSigningKey implements SigningKey {
  #key: Promise<Uint8Array> | undefined;

  constructor(
    private readonly secretId: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {}

  key(): Promise<Uint8Array> {
    // A failed read is not kept: the next request tries again.
    this.#key ??= this.read().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  private async read(): Promise<Uint8Array> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!out.SecretString || out.SecretString.length < 32) throw new Error('the rating signing secret is missing or shorter than 32 characters');
    return new TextEncoder().encode(out.SecretString);
  }
}
