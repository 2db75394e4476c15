// Lambda gives every function its role's credentials in the environment. The SDK's default chain
// (profiles, SSO, IMDS, web identity, with the STS and SSO clients they need) is about 100 KB of a
// bundle and ~10 ms of cold start that can never run there, so every function bundle aliases
// `@aws-sdk/credential-provider-node` to this module (infra/function-bundle.ts).
import { fromEnv } from '@aws-sdk/credential-provider-env';

type ProviderInit = Parameters<typeof fromEnv>[0];

/** The SDK clients' `credentialDefaultProvider`: credentials from AWS_ACCESS_KEY_ID and friends. */
export const defaultProvider = (init?: ProviderInit) => fromEnv(init);
