/**
 * The public types of a store's schema options: `Migrations` and `Validate` on GetProfileStore's first argument.
 * The logic is in internal/Schema.ts; where the version is stored is in internal/SchemaVersion.ts.
 */

/**
 * One migration: turns the Data of a profile at one schema version into the Data of the next version. It receives
 * a copy of the stored Data, may change and return it or return a new table, and must not yield. Annotate its
 * parameter with the shape it reads: nothing checks the stored data against it at run time (use `Validate`).
 * @example
 * const inventoryToList = (v0: { Coins: number; Inventory: string }) => ({
 * 	Coins: v0.Coins,
 * 	Inventory: v0.Inventory.split(","),
 * });
 */
export type MigrateFunction<Input = never, Output = unknown> = (data: Input) => Output;

/**
 * An entry of `Migrations`: a {@link MigrateFunction}, or one marked backwards compatible. A backwards-compatible
 * migration only adds to the data in a way that servers which do not know it can still load and save (a new
 * optional field, say): servers still on the previous version keep loading profiles it migrated, and keep the
 * version when they save them, as Lapis's `backwardsCompatible` does. Default: not backwards compatible.
 * @example
 * { BackwardsCompatible: true, Migrate: (v2: V2) => ({ ...v2, Title: undefined }) }
 */
export type Migration<Input = never, Output = unknown> =
	| MigrateFunction<Input, Output>
	| {
			/** Turns data at this migration's version into the next version. */
			readonly Migrate: MigrateFunction<Input, Output>;
			/** Servers that do not know this migration may still load and save its output. Default false. */
			readonly BackwardsCompatible?: boolean;
	  };

/**
 * A store's ordered migrations: `Migrations[i]` turns data at schema version i into version i + 1, and the store's
 * current version is `Migrations.size()`. The last migration's output must match the template's type (a compile
 * error otherwise), and, through {@link MigrationChain}, each migration's output must fit the next one's parameter.
 * Default (when the option is left out): no migrations, version 0.
 * @example
 * const migrations: MigrationList<typeof template> = [inventoryToList, coinsToWallet];
 */
export type MigrationList<DataType> = readonly [...Migration[], Migration<never, DataType>];

/** The function of a migration entry. */
type StepOf<Entry> = Entry extends { readonly Migrate: infer Step } ? Step : Entry;
/** What a migration entry returns. */
type OutputOf<Entry> = StepOf<Entry> extends (data: never) => infer Output ? Output : never;
/** What a migration entry's parameter is annotated with. */
type InputOf<Entry> = StepOf<Entry> extends (data: infer Input) => unknown ? Input : never;

/** The next index, for counting at the type level (roblox-ts arrays have no `length`); lists up to 64 long. */
// prettier-ignore
type Successor = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64];

/**
 * A compile-time check of a migration list: `unknown` (no constraint) when every migration's output can be passed to
 * the next migration's parameter, and otherwise a type the list cannot match, whose one property names the index of
 * the first migration whose output does not fit the next one. GetProfileStore applies it to `Migrations` when it
 * infers the list's type, that is, when no type arguments are written out.
 * @example
 * // Compiles: V1 goes into the second migration.
 * const ok: MigrationChain<[(v0: V0) => V1, (v1: V1) => V2]> = undefined as unknown;
 */
export type MigrationChain<List extends readonly unknown[], Index extends number = 0> = List extends readonly [
	infer First,
	infer Second,
	...infer Rest,
]
	? [OutputOf<First>] extends [InputOf<Second>]
		? MigrationChain<readonly [Second, ...Rest], Successor[Index]>
		: { readonly "this migration's output does not fit the next migration's parameter": Index }
	: unknown;

/**
 * What `Validate` answers: true for valid data; false, or a tuple [false, reason], for data that must not be
 * loaded or saved. A check that answers `false, reason` as two Luau values (as some versions of `@rbxts/t` do) is
 * read the same way as [false, reason].
 * @example
 * const validate = (data: Data): ValidateResult => (data.Coins >= 0 ? true : [false, "Coins is negative"]);
 */
export type ValidateResult = boolean | LuaTuple<[boolean, string?]> | readonly [false, string] | readonly [true];

/**
 * A store's data check, run on every load (after migrations) and before every save. It must not yield; an error
 * it throws counts as a failure with the error as the reason. A `@rbxts/t` check plugs in directly. Default (when
 * the option is left out): no check.
 * @example
 * Validate: t.interface({ Coins: t.number, Inventory: t.array(t.string) })
 */
export type DataValidator<DataType> = (data: DataType) => ValidateResult;
