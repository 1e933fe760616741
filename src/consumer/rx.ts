/**
 * The RxJS pieces the consumer uses, imported from their own modules. `import 'rxjs'` loads the
 * whole library (about 40 ms of a bot's start-up on Node 20); rxjs 7 exports these paths and
 * they are the same classes users get from `rxjs`. Keeping every such import here means one
 * file to change if a later rxjs moves them.
 */

export { firstValueFrom } from 'rxjs/internal/firstValueFrom';
export { Observable } from 'rxjs/internal/Observable';
export { interval } from 'rxjs/internal/observable/interval';
export { distinctUntilChanged } from 'rxjs/internal/operators/distinctUntilChanged';
export { filter } from 'rxjs/internal/operators/filter';
export { map } from 'rxjs/internal/operators/map';
export { startWith } from 'rxjs/internal/operators/startWith';
export { Subject } from 'rxjs/internal/Subject';
