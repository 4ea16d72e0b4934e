import { TimerWheel } from '../../../lib/runtime/timer-wheel';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TimerWheel', () => {
  it('hands each entry to its lane once it is due, in the order added, and never one cancelled', async () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const lane = wheel.lane<string>(20, (entry) => due.push(entry));
    lane.add('a');
    lane.add('b');
    lane.add('c');
    lane.delete('b');
    expect(lane.size).toBe(2);
    await sleep(5);
    expect(due).toEqual([]);
    await sleep(60);
    expect(due).toEqual(['a', 'c']);
    expect(lane.size).toBe(0);
  });

  it('moves an entry added again to the back of its lane, with a new deadline', async () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const lane = wheel.lane<string>(30, (entry) => due.push(entry));
    lane.add('first');
    lane.add('second');
    await sleep(15);
    lane.add('first');
    await sleep(25);
    expect(due).toEqual(['second']);
    await sleep(40);
    expect(due).toEqual(['second', 'first']);
  });

  it('fires lanes of different delays from one timer, the shortest first', async () => {
    const wheel = new TimerWheel();
    const due: string[] = [];
    const slow = wheel.lane<string>(60, (entry) => due.push(`slow ${entry}`));
    const fast = wheel.lane<string>(10, (entry) => due.push(`fast ${entry}`));
    slow.add('x');
    // A shorter lane added later re-arms the timer earlier.
    fast.add('y');
    await sleep(35);
    expect(due).toEqual(['fast y']);
    await sleep(60);
    expect(due).toEqual(['fast y', 'slow x']);
  });

  it('repeats an entry that its action adds again, until it is cancelled', async () => {
    const wheel = new TimerWheel();
    let count = 0;
    const lane = wheel.lane<string>(5, (entry) => {
      count += 1;
      lane.add(entry);
    });
    lane.add('tick');
    await sleep(80);
    lane.delete('tick');
    const seen = count;
    expect(seen).toBeGreaterThanOrEqual(3);
    await sleep(30);
    expect(count).toBe(seen);
  });

  it('does not keep the process alive', () => {
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
