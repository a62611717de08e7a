/**
 * A store's schema: its ordered migrations, their backwards-compatibility marks and its Validate check. Pure
 * decisions over a stored payload; SchemaLoad.ts applies them to loads, SaveProtocol to saves.
 * @internal
 */
import type { DataValidator, MigrateFunction, Migration, MigrationList } from "../Migrations";
import { callWithoutYield } from "./NoYield";
import { deepCopy, type StoredMetaData, type StoredProfile } from "./Payload";
import { readStamp, writeStamp, type SchemaStamp } from "./SchemaVersion";

type Step = (data: unknown) => unknown;

/** Reads what a Validate call returned (its first two values) as undefined for valid data, or the reason. */
function verdict(first: unknown, second: unknown): string | undefined {
	if (first === true) return undefined;
	if (typeIs(first, "table")) {
		const [ok, reason] = first as unknown as [unknown, unknown];
		return ok === true ? undefined : reason !== undefined ? tostring(reason) : "Validate returned [false]";
	}
	if (first === false || first === undefined)
		return second !== undefined ? tostring(second) : "Validate returned false";
	return `Validate returned ${tostring(first)} instead of true or false`;
}

/** @internal */
export class Schema {
	/** This server's schema version: the number of migrations. */
	public readonly version: number;
	/** The version of this server's last migration not marked backwards compatible (0 when there is none). */
	public readonly lastCompatible: number;
	private readonly steps: Step[] = [];

	public constructor(
		migrations: MigrationList<object> | readonly Migration[] | undefined,
		private readonly validator: DataValidator<never> | undefined,
	) {
		let lastCompatible = 0;
		(migrations ?? []).forEach((migration, index) => {
			const marked = typeIs(migration, "table") ? (migration as Exclude<Migration, MigrateFunction>) : undefined;
			this.steps.push((marked !== undefined ? marked.Migrate : migration) as Step);
			if (marked?.BackwardsCompatible !== true) lastCompatible = index + 1;
		});
		this.version = this.steps.size();
		this.lastCompatible = lastCompatible;
	}

	/** The stamp this server writes with data at its version. */
	public currentStamp(): SchemaStamp {
		return { Version: this.version, LastCompatible: this.lastCompatible };
	}

	/**
	 * Stamps a new profile (template Data, so already at this server's version). A store without migrations writes
	 * no tag, so its payload stays exactly the original's.
	 */
	public stampNew(meta: StoredMetaData) {
		if (this.version > 0) writeStamp(meta.MetaTags, this.currentStamp());
	}

	/**
	 * Why this server must not load a stored profile at all, decided from its MetaData before anything is written:
	 * its data is newer than this server's version and not backwards compatible with it, or its stamp is unreadable.
	 */
	public refusal(meta: StoredMetaData | undefined): string | undefined {
		const stamp = readStamp(meta);
		if (typeIs(stamp, "string")) return stamp;
		if (stamp.Version <= this.version || stamp.LastCompatible <= this.version) return undefined;
		return `the profile's data is at schema version ${stamp.Version}, newer than this server's version ${this.version} (it needs version ${stamp.LastCompatible} or newer)`;
	}

	/**
	 * Migrates a stored payload, in memory, to this server's version, and validates the result. On success the
	 * payload holds the migrated Data and, in its MetaTags, the new stamp (so the next save writes both, in one
	 * write), and the answer is undefined. Otherwise the answer is the reason, and the payload is unchanged.
	 */
	public upgrade(payload: StoredProfile): string | undefined {
		const refused = this.refusal(payload.MetaData);
		if (refused !== undefined) return refused;
		const stamp = readStamp(payload.MetaData) as SchemaStamp;
		let data: unknown = payload.Data;
		if (stamp.Version < this.version) {
			// Each migration gets a copy: one that throws halfway leaves no trace in what the profile holds.
			data = deepCopy(data);
			for (let index = stamp.Version; index < this.version; index++) {
				const step = this.steps[index];
				const input = data;
				const [ok, output] = pcall(() => callWithoutYield(`Migrations[${index}]`, () => step(input)));
				if (!ok) return `Migrations[${index}] threw: ${tostring(output)}`;
				if (!typeIs(output, "table")) return `Migrations[${index}] returned ${typeOf(output)}, not a table`;
				data = output;
			}
		}
		const invalid = this.check(data);
		if (invalid !== undefined) return `Validate failed: ${invalid}`;
		if (stamp.Version < this.version) {
			payload.Data = data as object;
			writeStamp(payload.MetaData!.MetaTags, this.currentStamp());
		}
		return undefined;
	}

	/** Validate's verdict on `data`: undefined when valid (or when there is no Validate), or the reason. */
	public check(data: unknown): string | undefined {
		const validator = this.validator as ((data: unknown) => LuaTuple<[unknown, unknown]>) | undefined;
		if (validator === undefined) return undefined;
		const [ok, reason] = pcall(() =>
			callWithoutYield("Validate", () => {
				const [first, second] = validator(data);
				return verdict(first, second);
			}),
		);
		return ok ? reason : `Validate threw: ${tostring(reason)}`;
	}
}
