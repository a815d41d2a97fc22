import { Foundation1732300000000 } from "./1732300000000-Foundation";

/** Every migration, in order. The data source takes this list (no glob), so ts and js builds agree. */
export const migrations = [Foundation1732300000000];
