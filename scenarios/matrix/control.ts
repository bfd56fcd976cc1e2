import { matrixRow } from './world.ts';

const safe = (note: string) => ({ expected: 'safe', note }) as const;

/** The matrix's control row: the same world with no fault. */
export default matrixRow({
  name: 'matrix-control',
  title: 'Matrix: no fault (the control row)',
  explanation:
    'The verdict matrix\'s world with no fault at all: client-1 takes a 15 s lock and works 12-13 s, client-2 waits its turn. ' +
    'Every mechanism must be safe and live here; a cell that is not points at the lock or at locksim, not at a fault.',
  tags: ['control'],
  faults: () => [],
  cells: {
    redis: safe('the 15 s key outlives the 12-13 s of work'),
    'redis+fencing': safe('tokens rise with every holder'),
    redlock: safe('a majority of three holds the key for the whole section'),
    'pg-session': safe('the session holds the lock until the unlock'),
    'pg-session+fencing': safe('nextval rises with every holder'),
    sqlserver: safe('the session holds the application lock until sp_releaseapplock'),
    'sqlserver+fencing': safe('NEXT VALUE FOR rises with every holder'),
    'blob-lease': safe('renewed every 5 s, the lease never lapses'),
    'blob-lease+etag': safe('every write matches the ETag its holder read'),
  },
});
