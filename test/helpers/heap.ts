import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The heap in use after a full collection, in bytes: for tests that check what a command keeps
 * while it works. `--expose-gc` set at run time gives a new context its `gc`.
 */
export function usedHeapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return getHeapStatistics().used_heap_size;
}
