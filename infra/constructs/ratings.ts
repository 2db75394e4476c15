import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import type { StackConfig } from '../config.ts';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import type { Storage } from './storage.ts';

/**
 * Satisfaction ratings: the key the resolution email's rating links are signed with (a Secrets Manager secret
 * the stack generates; the outbox signs, the ratings function verifies) and the public pages the links open
 * (GET and POST /ratings, no authorizer, like the inquiry form; the WAF rate-limits the POST per client).
 */
export class Ratings extends Construct {
  readonly signingKey: Secret;
  readonly pages: AppFunction<'ratings'>;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi; config: StackConfig }) {
    super(scope, id);
    this.signingKey = new Secret(this, 'LinkSigningKey', {
      description: 'trustdesk: HS256 key of the satisfaction rating links in resolution emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // A new key only invalidates links in emails already sent (they read as not valid); nothing else is lost.
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.signingKey,
      'AwsSolutions-SMG4',
      'The rating-link key is read once per cold start; rotating it turns every link in emails already sent into a "not valid" page, so it is rotated by hand (a new version) when it must be.',
    );
    this.pages = new AppFunction(this, 'Pages', { handlerDir: 'ratings', description: 'GET and POST /ratings: the public satisfaction rating pages' }).useTable(
      props.storage.casesTable,
      'CASES_TABLE',
    );
    this.allowKey(this.pages);
    props.api.publicRoute('GET', '/ratings', this.pages);
    props.api.publicRoute('POST', '/ratings', this.pages);
  }

  /** Read access to the signing key, its ARN in RATING_KEY_SECRET. */
  allowKey(fn: AppFunction): void {
    this.signingKey.grantRead(fn);
    fn.addEnvironment('RATING_KEY_SECRET', this.signingKey.secretArn);
  }

  /** The outbox signs the links: the key, where the links point and how long they last. */
  allowSigning(outbox: AppFunction, config: StackConfig): void {
    this.allowKey(outbox);
    outbox.addEnvironment('RATINGS_URL', config.ratingsUrl).addEnvironment('RATING_LINK_DAYS', String(config.ratingLinkDays));
  }
}
