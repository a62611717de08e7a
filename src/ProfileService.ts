import type Signal from "@rbxts/signal";
import { t } from "@rbxts/t";
import type { DataStoreAdapter } from "./DataStoreAdapter";
import type { GlobalUpdateData } from "./GlobalUpdates";
import type { DataValidator, MigrationList } from "./Migrations";
import { Profile } from "./Profile";
import { ProfileStore, type ProfileStoreIndex } from "./ProfileStore";
import { expectArgument, expectStorable } from "./internal/Arguments";
import { Settings } from "./internal/Constants";
import { Schema } from "./internal/Schema";
import { ServiceState, startLiveCheck, waitForLiveCheck } from "./internal/ServiceState";
import { transactAsync } from "./internal/Transaction";

/**
 * A profile of any store, as TransactAsync takes it (a Profile's type arguments differ from store to store; this is
 * what they all share). Only real profiles are accepted at run time.
 */
export type TransactionProfile = Pick<Profile, "Data" | "MetaData" | "IsActive">;

/** The ProfileService singleton's shape. */
export interface ProfileServiceApi {
	/**
	 * True once the server has started shutting down. From then on, as in the original, LoadProfileAsync,
	 * GlobalUpdateProfileAsync and ViewProfileAsync return undefined, WipeProfileAsync returns false and a new
	 * ProfileVersionQuery lists nothing; arguments are still checked. Default false. Read-only.
	 */
	readonly ServiceLocked: boolean;
	/** True during the critical state: many DataStore errors in a short time. Default false. Read-only. */
	readonly CriticalState: boolean;
	/** Fires with (errorMessage, profileStoreName, profileKey) for every DataStore error and skipped save. */
	readonly IssueSignal: Signal<(errorMessage: string, profileStoreName: string, profileKey: string) => void>;
	/** Fires with (profileStoreName, profileKey) when a key held a corrupted value that was replaced. */
	readonly CorruptionSignal: Signal<(profileStoreName: string, profileKey: string) => void>;
	/**
	 * Fires true when 5 DataStore issues happen within 120 s, and false after 120 s without any.
	 */
	readonly CriticalStateSignal: Signal<(isCriticalState: boolean) => void>;
	/**
	 * Returns the ProfileStore for a DataStore name (and scope). `profileTemplate` is deep-copied into the Data of
	 * new profiles, and is what Profile:Reconcile() fills in from; its type is the type of Profile.Data. The
	 * options may add `Migrations` (ordered, typed reshapes of saved Data, applied on load) and `Validate` (a check
	 * on every load and save); see ProfileStoreIndex and the README's "Changing your data's shape".
	 * @throws When `profileStoreIndex` is not a name or an options table (an Instance included), when the name,
	 * scope, DataStore, Migrations or Validate is not what is described, or when the template is not a table the
	 * DataStore can store: every new profile would then fail to save.
	 * @example
	 * const store = ProfileService.GetProfileStore("PlayerData", { Coins: 0, Items: [] as string[] });
	 * @example
	 * const store = ProfileService.GetProfileStore(
	 * 	{
	 * 		Name: "PlayerData",
	 * 		Migrations: [(v0: { Coins: number; Items: string }) => ({ Coins: v0.Coins, Items: v0.Items.split(",") })],
	 * 		Validate: t.interface({ Coins: t.number, Items: t.array(t.string) }),
	 * 	},
	 * 	{ Coins: 0, Items: [] as string[] },
	 * );
	 */
	GetProfileStore<
		DataType extends object,
		RobloxMetaData = object,
		GlobalUpdateType extends object = GlobalUpdateData,
		Migrations extends MigrationList<NoInfer<DataType>> = MigrationList<NoInfer<DataType>>,
	>(
		this: void,
		profileStoreIndex: ProfileStoreIndex<DataType, Migrations>,
		profileTemplate: DataType,
	): ProfileStore<DataType, RobloxMetaData, GlobalUpdateType>;
	/**
	 * Whether live stores reach Roblox's DataStores (false in Studio without API access, where they use an
	 * in-memory store). May yield while the Studio check runs.
	 */
	IsLive(this: void): boolean;
	/**
	 * Changes 2 to 8 profiles at once, all or nothing: a trade. `transform` runs once, without yielding, and changes
	 * the profiles' `Data` (and `MetaData.MetaTags`) in place; TransactAsync then yields until the change is stored
	 * for every profile, however this server or the DataStore fails meanwhile (crashes, lost responses, outages):
	 * the next load of any of the profiles, on any server, sees all of the change or none of it.
	 *
	 * Returns true once the change is durable (usually within 0.2 s; longer when a profile was saved less than 6 s
	 * before, the DataStore write cooldown). Returns false when it cannot commit: DataStore errors past its
	 * retries, a profile released, taken by another server or shutting down meanwhile, Data that cannot be stored or
	 * fails the store's Validate, or a store on which this server saw a lock of a server that does not run this
	 * library (an original ProfileService server cannot see a pending transaction). On false, every profile's Data
	 * and MetaTags are back to what they were before `transform`, and the reason is in a warning and IssueSignal.
	 *
	 * While it yields, the profiles' saves wait (auto-save, Save(), release, hand-off); they resume once the
	 * transaction is decided, and each profile's next save writes its Data. Changes the game makes to these profiles'
	 * Data while TransactAsync yields are saved with the transaction when it returns true, and undone with it when
	 * it returns false: do not change them until it returns. A profile released meanwhile (Release, a hand-off, the
	 * server closing) ends at once and makes the transaction return false unless its commit was already sent; its
	 * release then writes the decided Data. Each transaction costs one UpdateAsync per profile, the same as one save
	 * of each, and the next auto-saves apply it.
	 * @param profiles 2 to 8 active profiles of this server, of any stores, all `.Mock` or none.
	 * @param transform Changes the profiles' Data; must not yield. Throwing cancels the transaction: nothing changes,
	 * and the error propagates.
	 * @throws When `profiles` is not an array of 2 to 8 profiles, a profile is given twice, is in view mode or
	 * released, `.Mock` profiles are mixed with live ones, `transform` is not a function, or `transform` throws or
	 * yields.
	 * @example
	 * // The confirm button of a trading window: the sword goes from A to B, 50 coins from B to A.
	 * const ok = ProfileService.TransactAsync([a, b], () => {
	 * 	const index = a.Data.Items.indexOf("Sword");
	 * 	if (index === -1 || b.Data.Coins < 50) error("trade no longer possible");
	 * 	a.Data.Items.remove(index);
	 * 	b.Data.Items.push("Sword");
	 * 	b.Data.Coins -= 50;
	 * 	a.Data.Coins += 50;
	 * });
	 */
	TransactAsync(this: void, profiles: ReadonlyArray<TransactionProfile>, transform: () => void): boolean;
}

const isMigration = t.union(
	t.callback,
	t.strictInterface({ Migrate: t.callback, BackwardsCompatible: t.optional(t.boolean) }),
);

function GetProfileStore<DataType extends object, RobloxMetaData, GlobalUpdateType extends object>(
	profileStoreIndex: ProfileStoreIndex<DataType>,
	profileTemplate: DataType,
): ProfileStore<DataType, RobloxMetaData, GlobalUpdateType> {
	const method = "ProfileService.GetProfileStore()";
	let name: unknown;
	let scope: unknown;
	let adapter: DataStoreAdapter | undefined;
	let migrations: unknown;
	let validate: unknown;
	let autoSavePeriod: unknown;
	let mixedFleet: unknown;
	if (typeIs(profileStoreIndex, "string")) {
		name = profileStoreIndex;
	} else if (typeOf(profileStoreIndex) === "table") {
		name = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Name;
		scope = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Scope;
		adapter = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).DataStore;
		migrations = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Migrations;
		validate = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Validate;
		autoSavePeriod = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).AutoSavePeriod;
		mixedFleet = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).MixedFleet;
	} else {
		error(
			`[ProfileService] ${method}: argument "profileStoreIndex" must be a name or { Name, Scope }, got ${typeOf(profileStoreIndex)} (${tostring(profileStoreIndex)})`,
			2,
		);
	}
	const nameCheck = (v: unknown): v is string =>
		typeIs(v, "string") && v.size() > 0 && v.size() <= Settings.MaxNameLength;
	expectArgument(method, "Name", name, nameCheck, `a string of 1 to ${Settings.MaxNameLength} characters`);
	expectArgument(
		method,
		"Scope",
		scope,
		t.optional(nameCheck),
		`undefined or a string of 1 to ${Settings.MaxNameLength} characters`,
	);
	expectArgument(method, "profileTemplate", profileTemplate, t.table, "a table");
	// Every new profile starts as a copy of the template: one the DataStore refuses would make every load fail.
	expectStorable(method, "profileTemplate", profileTemplate, "profileTemplate");
	start();
	if (adapter !== undefined) {
		expectArgument(method, "DataStore", adapter, t.table, "a DataStoreAdapter");
	}
	expectArgument(
		method,
		"Migrations",
		migrations,
		t.optional(t.array(isMigration)),
		"undefined or an array of functions or { Migrate, BackwardsCompatible? }",
	);
	expectArgument(method, "Validate", validate, t.optional(t.callback), "undefined or a function");
	const periodCheck = (v: unknown): v is number =>
		typeIs(v, "number") && v >= Settings.MinAutoSavePeriod && v <= Settings.MaxAutoSavePeriod;
	expectArgument(
		method,
		"AutoSavePeriod",
		autoSavePeriod,
		t.optional(periodCheck),
		`undefined or a number of seconds from ${Settings.MinAutoSavePeriod} to ${Settings.MaxAutoSavePeriod}`,
	);
	expectArgument(method, "MixedFleet", mixedFleet, t.optional(t.boolean), "undefined or a boolean");
	return ProfileStore.create<DataType, RobloxMetaData, GlobalUpdateType>(
		name as string,
		scope as string | undefined,
		profileTemplate,
		adapter,
		new Schema(migrations as MigrationList<object> | undefined, validate as DataValidator<never> | undefined),
		autoSavePeriod as number | undefined,
		mixedFleet !== false,
	);
}

/**
 * Session-locked, auto-saving profiles over Roblox DataStores. A profile is loaded and locked by one server at a
 * time, saved every 30 seconds and on release, and handed to the next server on request.
 */
export const ProfileService: ProfileServiceApi = {
	ServiceLocked: false,
	CriticalState: false,
	IssueSignal: ServiceState.issueSignal,
	CorruptionSignal: ServiceState.corruptionSignal,
	CriticalStateSignal: ServiceState.criticalStateSignal,
	GetProfileStore,
	IsLive() {
		start();
		waitForLiveCheck();
		return !ServiceState.useOfflineMock;
	},
	TransactAsync(profiles, transform) {
		return transactAsync(profiles, transform, Profile);
	},
};

/** The flags only ProfileService itself sets. */
const writable = ProfileService as { ServiceLocked: boolean; CriticalState: boolean };

/**
 * Starts ProfileService on this server, once: the Studio API-access check, the critical-state flag, and the
 * BindToClose that saves and releases every profile. Requiring the package starts nothing; the first
 * GetProfileStore (or IsLive) does.
 */
function start() {
	if (ServiceState.started) return;
	ServiceState.started = true;
	startLiveCheck();
	ServiceState.criticalStateSignal.Connect((isCritical) => {
		writable.CriticalState = isCritical;
	});
	// On shutdown: refuse new requests, save and release every loaded profile, and hold the server open until all
	// saves and loads in flight are done (Roblox allows 30 s).
	game.BindToClose(() => {
		ServiceState.locked = true;
		writable.ServiceLocked = true;
		for (const profile of [...ServiceState.autoSave]) profile.requestRelease();
		while (ServiceState.activeSaveJobs > 0 || ServiceState.activeLoadJobs > 0) task.wait();
	});
}
