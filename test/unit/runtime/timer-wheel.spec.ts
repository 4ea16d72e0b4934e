import { TimerWheel } from '../../../lib/runtime/timer-wheel';

/*
 * On jest's fake clock (timers and `performance.now()` together): the assertions that something
 * has not fired yet would flake on a real clock, whose 5 ms sleep can last 50 ms on a loaded
 * machine.
 */
const sleep = (ms: number): void => {
  jest.advanceTimersByTime(ms);
};

describe('TimerWheel', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('hands each entry to its lane once it is due, in the order added, and never one cancelled', () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const lane = wheel.lane<string>(20, (entry) => due.push(entry));
    lane.add('a');
    lane.add('b');
    lane.add('c');
    lane.delete('b');
    expect(lane.size).toBe(2);
    sleep(5);
    expect(due).toEqual([]);
    sleep(60);
    expect(due).toEqual(['a', 'c']);
    expect(lane.size).toBe(0);
  });

  it('moves an entry added again to the back of its lane, with a new deadline', () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const lane = wheel.lane<string>(30, (entry) => due.push(entry));
    lane.add('first');
    lane.add('second');
    sleep(15);
    lane.add('first');
    sleep(25);
    expect(due).toEqual(['second']);
    sleep(40);
    expect(due).toEqual(['second', 'first']);
  });

  it('fires lanes of different delays from one timer, the shortest first', () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const slow = wheel.lane<string>(60, (entry) => due.push(`slow ${entry}`));
    const fast = wheel.lane<string>(10, (entry) => due.push(`fast ${entry}`));
    slow.add('x');
    // A shorter lane added later re-arms the timer earlier.
    fast.add('y');
    sleep(35);
    expect(due).toEqual(['fast y']);
    sleep(60);
    expect(due).toEqual(['fast y', 'slow x']);
  });

  it('repeats an entry that its action adds again, until it is cancelled', () => {
    const wheel = new TimerWheel();
    let count = 0;
    const lane = wheel.lane<string>(5, (entry) => {
      count += 1;
      lane.add(entry);
    });
    lane.add('tick');
    sleep(80);
    lane.delete('tick');
    const seen = count;
    expect(seen).toBeGreaterThanOrEqual(3);
    sleep(30);
    expect(count).toBe(seen);
  });

  it('does not keep the process alive', () => {
    jest.useRealTimers();
    const wheel = new TimerWheel();
    const lane = wheel.lane<object>(60_000, () => undefined);
    const hasRef = jest.spyOn(global, 'setTimeout');
    lane.add({});
    const timer = hasRef.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    hasRef.mockRestore();
    clearTimeout(timer);
  });
});
