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
 * error otherwise); TypeScript does not check one migration's output against the next one's input. Default (when
 * the option is left out): no migrations, version 0.
 * @example
 * const migrations: MigrationList<typeof template> = [inventoryToList, coinsToWallet];
 */
export type MigrationList<DataType> = readonly [...Migration[], Migration<never, DataType>];

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
