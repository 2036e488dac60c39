/** A fixed-capacity buffer that keeps the newest items, dropping the oldest. */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  /**
   * Creates an empty buffer.
   *
   * @param capacity the most items kept (at least 1)
   */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid ring buffer capacity ${capacity}: expected an integer >= 1`);
    }
    this.#items = new Array(capacity);
  }

  /** How many items are held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends an item, dropping the oldest when full.
   *
   * @param item the new item
   */
  push(item: T): void {
    const end = (this.#start + this.#size) % this.capacity;
    this.#items[end] = item;
    if (this.#size < this.capacity) this.#size++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  /**
   * The items, oldest first.
   *
   * @param last only the newest `last` items
   * @returns a new array
   */
  toArray(last = this.#size): T[] {
    const n = Math.max(0, Math.min(last, this.#size));
    const out: T[] = [];
    for (let i = this.#size - n; i < this.#size; i++) {
      out.push(this.#items[(this.#start + i) % this.capacity] as T);
    }
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.fill(undefined);
    this.#start = 0;
    this.#size = 0;
  }
}
