/**
 * Following `continuationToken`: async iteration over pages and over their items, and the seed's
 * `paginationHandler`. Paging stops only when a page comes back without a token, even after
 * empty pages (a server may return an empty page that still carries a token).
 */
import { UnexpectedResponseError } from './errors.js';

/** Fetches the page for a token (undefined for the first page). */
export type PageFetcher<Page> = (continuationToken: string | undefined) => Promise<Page>;

/**
 * The element type of a page's list property, e.g. a task of `listTaskGroup`; `unknown` for
 * untyped pages (clients made from references at run time).
 */
export type ItemOf<Page> = unknown extends Page
  ? unknown
  : {
      [K in keyof Page]-?: NonNullable<Page[K]> extends readonly (infer Item)[] ? Item : never;
    }[keyof Page];

/** The pages of a paginated call; iterate it for pages, or `items()` for their elements. */
export interface Pages<Page> extends AsyncIterable<Page> {
  /** The elements of every page's list property (e.g. `tasks`), in order. */
  items(): AsyncIterable<ItemOf<Page>>;
}

function tokenOf(page: unknown): string | undefined {
  if (typeof page !== 'object' || page === null) return undefined;
  const token = (page as { continuationToken?: unknown }).continuationToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** The single array property of a page: the items of a Taskcluster list response. */
function itemsOf(page: unknown): readonly unknown[] {
  if (typeof page !== 'object' || page === null) return [];
  let found: readonly unknown[] | undefined;
  for (const value of Object.values(page)) {
    if (!Array.isArray(value)) continue;
    if (found !== undefined) {
      throw new UnexpectedResponseError(
        'AmbiguousPage',
        'a page has more than one list property; iterate pages instead of items',
      );
    }
    found = value;
  }
  return found ?? [];
}

async function* pagesOf<Page>(fetchPage: PageFetcher<Page>): AsyncGenerator<Page> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield page;
    token = tokenOf(page);
  } while (token !== undefined);
}

/** Lazily iterate the pages that `fetchPage` returns, following their tokens. */
export function paginate<Page>(fetchPage: PageFetcher<Page>): Pages<Page> {
  return {
    [Symbol.asyncIterator]: () => pagesOf(fetchPage),
    async *items() {
      for await (const page of pagesOf(fetchPage)) {
        yield* itemsOf(page) as readonly ItemOf<Page>[];
      }
    },
  };
}

/** The seed's `paginationHandler`: call `handler` with every page; resolve to the last page. */
export async function followPages<Page>(
  fetchPage: PageFetcher<Page>,
  handler: (page: Page) => unknown,
): Promise<Page> {
  let last: Page | undefined;
  for await (const page of pagesOf(fetchPage)) {
    await handler(page);
    last = page;
  }
  return last as Page;
}
