// Tenants: a search belongs to the IAM principal that started it. The API lists, reads and
// stops a caller's own searches only (any other id is a 404, as if it did not exist), an admin
// principal sees every search, and Idempotency-Keys are scoped per caller. infra/README.md
// describes the model.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { assertSearchId } from '../../core/engine/keys.js';
import { hashOf } from '../../core/hash.js';

/** The owner record of one search, written once when the API creates it. */
export interface SearchOwner {
  searchId: string;
  /** The caller's principal, normalized by principalOf. */
  principal: string;
  createdAt: string;
}

// The API's own records, beside the search index (index/) that createSearch writes.
export const tenantKeys = {
  /** Who started the search (absent for searches started outside the API, e.g. `cosearch run`). */
  owner: (id: string) => `searches/${assertSearchId(id)}/owner.json`,
  /** One empty-ish object per search under its owner's prefix: GET /searches lists these. */
  ownedPrefix: (principal: string) => `index/owners/${hashOf(principal, 32)}/`,
  owned: (principal: string, id: string) =>
    `index/owners/${hashOf(principal, 32)}/${assertSearchId(id)}.json`,
  /** Idempotency-Key records, by a hash of the caller and the key: two callers never share one. */
  idempotency: (principal: string, key: string) => `idempotency/${hashOf({ principal, key }, 32)}.json`,
};

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
const IAM_ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/;

/**
 * The principal a search belongs to. An assumed-role session counts as its role: every login
 * through SSO or `aws sts assume-role` is a new session name, and its searches must stay the
 * caller's. A role given by its IAM ARN (as an admin parameter would be) maps to the same form.
 * Users and account roots are themselves.
 */
export function principalOf(arn: string): string {
  const s = arn.trim();
  const assumed = ASSUMED_ROLE.exec(s);
  if (assumed) return `arn:${assumed[1]}:sts::${assumed[2]}:assumed-role/${assumed[3]}`;
  const role = IAM_ROLE.exec(s);
  if (role) return `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}`;
  return s;
}

/** The caller API Gateway authenticated (AWS_IAM authorization), or undefined without one. */
export function iamCaller(event: APIGatewayProxyEvent): string | undefined {
  const arn = event.requestContext?.identity?.userArn;
  return typeof arn === 'string' && arn !== '' ? principalOf(arn) : undefined;
}

/** Admin principals from a comma-separated list (the stack's AdminPrincipalArns parameter). */
export function parsePrincipals(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(principalOf);
}
