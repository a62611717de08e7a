import type Signal from "@rbxts/signal";
import { t } from "@rbxts/t";
import type { DataStoreAdapter } from "./DataStoreAdapter";
import type { GlobalUpdateData } from "./GlobalUpdates";
import type { DataValidator, MigrationList } from "./Migrations";
import { ProfileStore, type ProfileStoreIndex } from "./ProfileStore";
import { expectArgument, expectStorable } from "./internal/Arguments";
import { Settings } from "./internal/Constants";
import { Schema } from "./internal/Schema";
import { ServiceState, startLiveCheck, waitForLiveCheck } from "./internal/ServiceState";

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
	if (typeIs(profileStoreIndex, "string")) {
		name = profileStoreIndex;
	} else if (typeOf(profileStoreIndex) === "table") {
		name = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Name;
		scope = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Scope;
		adapter = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).DataStore;
		migrations = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Migrations;
		validate = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).Validate;
		autoSavePeriod = (profileStoreIndex as Exclude<ProfileStoreIndex, string>).AutoSavePeriod;
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
	return ProfileStore.create<DataType, RobloxMetaData, GlobalUpdateType>(
		name as string,
		scope as string | undefined,
		profileTemplate,
		adapter,
		new Schema(migrations as MigrationList<object> | undefined, validate as DataValidator<never> | undefined),
		autoSavePeriod as number | undefined,
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
