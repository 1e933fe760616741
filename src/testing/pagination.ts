/**
 * Pagination as the queue's list methods do it: `limit` (at most 1000) and an opaque
 * `continuationToken` that is absent from the last page.
 */
import { inputError } from './api-error.js';

/** The most items a page holds, and the default page size. */
export const MAX_PAGE_SIZE = 1000;

/** One page of items. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Number.isInteger(offset) && offset >= 0) {
      return offset;
    }
  } catch {
    // Answered as an input error below.
  }
  throw inputError('Invalid continuationToken');
}

/** The page of `items` the query (`limit`, `continuationToken`) asks for. */
export function paginate<T>(items: readonly T[], query: Record<string, string>): Page<T> {
  const limit = query.limit === undefined ? MAX_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw inputError('limit must be a positive integer');
  }
  const size = Math.min(limit, MAX_PAGE_SIZE);
  const offset = query.continuationToken === undefined ? 0 : decodeToken(query.continuationToken);
  const page: Page<T> = { items: items.slice(offset, offset + size) };
  if (offset + size < items.length) {
    page.continuationToken = encodeToken(offset + size);
  }
  return page;
}

/** The `continuationToken` field of a page, when it has one, to spread into an answer. */
export function tokenOf(page: { continuationToken?: string }): { continuationToken?: string } {
  return page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken };
}
