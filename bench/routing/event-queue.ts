/**
 * A binary min-heap of events by time; events at the same time leave in the order they were
 * pushed, so a run is a pure function of its seed.
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private readonly items: T[] = [];
  private pushed = 0;

  get size(): number {
    return this.items.length;
  }

  /** Schedules `item` at `time`. */
  push(time: number, item: T): void {
    let at = this.items.length;
    const order = this.pushed++;
    this.times.push(time);
    this.orders.push(order);
    this.items.push(item);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(time, order, parent)) break;
      this.move(parent, at);
      at = parent;
    }
    this.place(at, time, order, item);
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.times[0] ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest event. */
  pop(): T | undefined {
    const top = this.items[0];
    const lastTime = this.times.pop();
    const lastOrder = this.orders.pop();
    const lastItem = this.items.pop();
    if (
      this.items.length === 0 ||
      lastTime === undefined ||
      lastOrder === undefined ||
      lastItem === undefined
    ) {
      return top;
    }
    let at = 0;
    const count = this.items.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= count) break;
      const right = left + 1;
      const child = right < count && this.lessAt(right, left) ? right : left;
      if (!this.lessThan(child, lastTime, lastOrder)) break;
      this.move(child, at);
      at = child;
    }
    this.place(at, lastTime, lastOrder, lastItem);
    return top;
  }

  private before(time: number, order: number, at: number): boolean {
    const other = this.times[at] ?? 0;
    return time < other || (time === other && order < (this.orders[at] ?? 0));
  }

  private lessThan(at: number, time: number, order: number): boolean {
    const mine = this.times[at] ?? 0;
    return mine < time || (mine === time && (this.orders[at] ?? 0) < order);
  }

  private lessAt(a: number, b: number): boolean {
    return this.lessThan(a, this.times[b] ?? 0, this.orders[b] ?? 0);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] ?? 0;
    this.orders[to] = this.orders[from] ?? 0;
    const item = this.items[from];
    if (item !== undefined) this.items[to] = item;
  }

  private place(at: number, time: number, order: number, item: T): void {
    this.times[at] = time;
    this.orders[at] = order;
    this.items[at] = item;
  }
}
