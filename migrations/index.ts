import { Foundation1732300000000 } from "./1732300000000-Foundation";
import { Access1732400000000 } from "./1732400000000-Access";
import { Impact1732500000000 } from "./1732500000000-Impact";

/** Every migration, in order. The data source takes this list (no glob), so ts and js builds agree. */
export const migrations = [Foundation1732300000000, Access1732400000000, Impact1732500000000];
