/**
 * `--schema-change`: a release with a new migration rolls out mid-run. At half time, half the live servers shut down
 * and come back on the new release, whose store has one migration (version 1); the others stay on the old release
 * (version 0) until they end, and servers started later run the new release. An old server refuses data at version
 * 1, and the player rejoins on a new server, as a game kicks with "please rejoin". After the run every profile is
 * loaded once more on a new server (the settle), and invariant 11 is checked over every stored version.
 *
 * The migration appends "m1" to `SchemaLog`; the new release's template starts with `SchemaLog = ["new"]`, and the
 * old release never writes the field. So a stored value whose version tag says 1 must hold exactly one entry, and
 * one without the tag none: two entries mean a migration ran on data it had already migrated, and a version
 * written without its data (or data without its version) shows as a mismatch.
 */
import type * as Ours from "../src";
import Runtime, { type SimServer } from "../test/Runtime";
import type { Ledger } from "./Ledger";
import { STORE_NAME, TEMPLATE, type SimService, type SimStore } from "./Library";

/** The reserved MetaTag holding the version (see src/internal/SchemaVersion.ts). */
const SCHEMA_TAG = "_Schema";

interface Shaped {
	SchemaLog?: string[];
}

/** How the rollout went, for the run's summary line. */
export interface SchemaCounts {
	/** Loads an old-release server refused because the data was at the new version. */
	refusals: number;
	/** Migration runs (a crash before the save legitimately reruns one on the same stored data). */
	migrations: number;
	/** Profiles loaded by the settle. */
	settled: number;
}

export class SchemaChange {
	public readonly counts: SchemaCounts = { refusals: 0, migrations: 0, settled: 0 };
	/** Servers on the new release. */
	private readonly newRelease = new Set<SimServer>();
	/** Whether servers started from now on run the new release. */
	public rolledOut = false;

	public constructor(private readonly ledger: Ledger) {}

	/** Our library on `server`, at the release servers start on now. */
	public serviceOn(server: SimServer): SimService {
		const { ProfileService } = server.require<typeof Ours>("ReplicatedStorage/ProfileService");
		let store: SimStore;
		if (this.rolledOut) {
			this.newRelease.add(server);
			const counts = this.counts;
			store = ProfileService.GetProfileStore(
				{
					Name: STORE_NAME,
					Migrations: [
						(v0: typeof TEMPLATE & Shaped) => {
							counts.migrations += 1;
							return { ...v0, SchemaLog: [...(v0.SchemaLog ?? []), "m1"] };
						},
					],
				},
				{ ...TEMPLATE, SchemaLog: ["new"] },
			) as unknown as SimStore;
		} else {
			store = ProfileService.GetProfileStore(STORE_NAME, TEMPLATE) as unknown as SimStore;
		}
		return {
			store,
			onCorruption: (listener) => ProfileService.CorruptionSignal.Connect((_, key) => listener(key)),
			gifts: true,
			logMarker: (key) => `Key:"${key}"]`,
		};
	}

	public isNewRelease(server: SimServer): boolean {
		return this.newRelease.has(server);
	}

	/**
	 * Whether an old-release server's failed load of `key` is the refusal of data at the new version (the stored
	 * version never goes back, so reading it after the load is enough).
	 */
	public refusedAsNewer(server: SimServer, key: string): boolean {
		if (this.isNewRelease(server) || stampOf(Runtime.store().get(STORE_NAME, undefined, key)[0]) < 1) return false;
		this.counts.refusals += 1;
		this.ledger.event(key, `refused by old-release ${server.name}: data at version 1`);
		return true;
	}

	/** A loaded profile's data must hold at most one SchemaLog entry. */
	public checkLoaded(key: string, data: object) {
		const log = (data as Shaped).SchemaLog ?? [];
		if (log.size() > 1) this.ledger.violate(11, key, `loaded with SchemaLog ${log.join(",")}`);
	}

	/**
	 * The settle: every key holding a profile is loaded on a new-release server and released, so every profile
	 * reaches the new version. Checked as any load (invariant 5), and expected to be stored as released.
	 */
	public settle(keys: string[]) {
		const server = Runtime.startServer({ name: "Settle" });
		this.rolledOut = true;
		const { store } = this.serviceOn(server);
		for (const key of keys) {
			const [value] = Runtime.store().get(STORE_NAME, undefined, key);
			if ((value as { Data?: object } | undefined)?.Data === undefined) continue;
			const profile = server.call(() => store.LoadProfileAsync(key));
			if (profile === undefined) {
				this.ledger.violate(11, key, "the settle could not load it");
				continue;
			}
			this.counts.settled += 1;
			this.ledger.checkLoad(key, profile.Data);
			this.checkLoaded(key, profile.Data);
			this.ledger.expect(key, profile.Data, "released by the settle");
			let released = false;
			profile.ListenToHopReady(() => (released = true));
			profile.Release();
			Runtime.waitUntil(() => released, 600, "settle release");
		}
		server.shutdown();
	}

	/** Invariant 9 over every stored version of every key, and the final versions. */
	public checkStore() {
		for (const key of Runtime.store().keys(STORE_NAME)) {
			let last: unknown;
			for (const { info, value } of Runtime.store().history(STORE_NAME, undefined, key)) {
				if (info.deleted) continue;
				last = value;
				const data = (value as { Data?: Shaped } | undefined)?.Data;
				if (!typeIs(data, "table")) continue;
				const log = data.SchemaLog ?? [];
				const version = stampOf(value);
				if (log.size() !== math.min(version, 1)) {
					this.ledger.violate(
						9,
						key,
						`version ${info.version} is at schema version ${version} with SchemaLog [${log.join(",")}]`,
					);
				}
			}
			const data = (last as { Data?: Shaped } | undefined)?.Data;
			if (typeIs(data, "table") && stampOf(last) !== 1) {
				this.ledger.violate(11, key, `at schema version ${stampOf(last)} after the settle`);
			}
		}
	}
}

function stampOf(value: unknown): number {
	const tags = (value as { MetaData?: { MetaTags?: Record<string, unknown> } } | undefined)?.MetaData?.MetaTags;
	const stamp = tags?.[SCHEMA_TAG] as { Version?: number } | undefined;
	return stamp?.Version ?? 0;
}
