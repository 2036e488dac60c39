/**
 * The data layout this nunect writes: what its data directory and JetStream state look like.
 * Layout 1 is nunect 0.1.0's; layout 0 is a data directory from before 0.1.0 (no marker file).
 * A release that changes what is stored raises it and adds the migration (see migrations.ts).
 */
export const CURRENT_LAYOUT = 1;
