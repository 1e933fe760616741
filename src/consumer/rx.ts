/**
 * The RxJS pieces the consumer uses, loaded when first used rather than with the package: RxJS is
 * about 60 CommonJS modules, the largest part of the package's start-up, and a program that only
 * calls the REST API or builds bindings never needs it. Everything here runs once `connect()`
 * does, which is synchronous, so the pieces are required synchronously. They come from rxjs's
 * CommonJS build, which is also what `import ... from 'rxjs'` gives users on Node (its
 * `exports` map the `node` condition there), so users' Observables and Subjects are the very
 * classes the consumer uses. Keeping every RxJS import here means one file to change if a later
 * rxjs moves these paths.
 */

import { createRequire } from 'node:module';
import type {
  MonoTypeOperatorFunction,
  Observable,
  ObservableInput,
  OperatorFunction,
  Subject,
  Subscriber,
  TeardownLogic,
} from 'rxjs';

/** The loaded pieces. */
interface Pieces {
  firstValueFrom: typeof import('rxjs/internal/firstValueFrom').firstValueFrom;
  Observable: typeof import('rxjs/internal/Observable').Observable;
  interval: typeof import('rxjs/internal/observable/interval').interval;
  concatMap: typeof import('rxjs/internal/operators/concatMap').concatMap;
  distinctUntilChanged: typeof import('rxjs/internal/operators/distinctUntilChanged').distinctUntilChanged;
  filter: typeof import('rxjs/internal/operators/filter').filter;
  map: typeof import('rxjs/internal/operators/map').map;
  startWith: typeof import('rxjs/internal/operators/startWith').startWith;
  Subject: typeof import('rxjs/internal/Subject').Subject;
}

let loaded: Pieces | undefined;

function pieces(): Pieces {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    loaded = {
      firstValueFrom: require('rxjs/internal/firstValueFrom').firstValueFrom,
      Observable: require('rxjs/internal/Observable').Observable,
      interval: require('rxjs/internal/observable/interval').interval,
      concatMap: require('rxjs/internal/operators/concatMap').concatMap,
      distinctUntilChanged: require('rxjs/internal/operators/distinctUntilChanged')
        .distinctUntilChanged,
      filter: require('rxjs/internal/operators/filter').filter,
      map: require('rxjs/internal/operators/map').map,
      startWith: require('rxjs/internal/operators/startWith').startWith,
      Subject: require('rxjs/internal/Subject').Subject,
    };
  }
  return loaded;
}

/** `new Observable(subscribe)`. */
export function observable<T>(
  subscribe: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
): Observable<T> {
  return new (pieces().Observable)(subscribe);
}

/** `new Subject()`. */
export function subject<T>(): Subject<T> {
  return new (pieces().Subject)<T>();
}

/** RxJS's `firstValueFrom`, with or without a default value. */
export function firstValueFrom<T, D>(
  source: Observable<T>,
  config: { defaultValue: D },
): Promise<T | D>;
export function firstValueFrom<T>(source: Observable<T>): Promise<T>;
export function firstValueFrom<T, D>(
  source: Observable<T>,
  config?: { defaultValue: D },
): Promise<T | D> {
  const first = pieces().firstValueFrom;
  return config === undefined ? first(source) : first(source, config);
}

/** RxJS's `interval`. */
export function interval(period: number): Observable<number> {
  return pieces().interval(period);
}

/** RxJS's `concatMap`: one inner Observable (or promise) at a time, in order. */
export function concatMap<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
): OperatorFunction<T, R> {
  return pieces().concatMap(project);
}

/** RxJS's `distinctUntilChanged` (by `===`). */
export function distinctUntilChanged<T>(): MonoTypeOperatorFunction<T> {
  return pieces().distinctUntilChanged<T>();
}

/** RxJS's `filter`; a type guard narrows. */
export function filter<T, S extends T>(
  predicate: (value: T, index: number) => value is S,
): OperatorFunction<T, S>;
export function filter<T>(
  predicate: (value: T, index: number) => boolean,
): MonoTypeOperatorFunction<T>;
export function filter<T>(
  predicate: (value: T, index: number) => boolean,
): MonoTypeOperatorFunction<T> {
  return pieces().filter(predicate);
}

/** RxJS's `map`. */
export function map<T, R>(project: (value: T, index: number) => R): OperatorFunction<T, R> {
  return pieces().map(project);
}

/** RxJS's `startWith` of one value. */
export function startWith<T, D>(value: D): OperatorFunction<T, T | D> {
  return pieces().startWith<T, [D]>(value);
}
