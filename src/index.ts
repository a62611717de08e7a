/** Semantic version of this package, for diagnostics. */
export const VERSION = "0.1.0";
