export { ProfileService, ProfileService as default } from "./ProfileService";
export type { ProfileServiceApi, TransactionProfile } from "./ProfileService";
export { ProfileStore } from "./ProfileStore";
export type { NotReleasedAnswer, NotReleasedHandler, ProfileStoreIndex } from "./ProfileStore";
export type {
	DataValidator,
	MigrateFunction,
	Migration,
	MigrationChain,
	MigrationList,
	ValidateResult,
} from "./Migrations";
export { Profile } from "./Profile";
export type { ViewProfile } from "./Profile";
export type { ProfileMetaData } from "./Profile";
export { GlobalUpdates } from "./GlobalUpdates";
export type { GlobalUpdateData, GlobalUpdateEntry } from "./GlobalUpdates";
export { ProfileVersionQuery } from "./ProfileVersionQuery";
export { ScriptSignal } from "./ScriptSignal";
export type { ScriptConnection } from "./ScriptSignal";
export { MockDataStoreAdapter } from "./MockDataStoreAdapter";
export { RobloxDataStoreAdapter } from "./RobloxDataStoreAdapter";
export type {
	DataStoreAdapter,
	ProfileKeyInfo,
	ProfileTransform,
	ProfileVersionInfo,
	ProfileVersionPages,
} from "./DataStoreAdapter";
export { AdminEdit } from "./AdminEdit";
export type { AdminEditReceipt, AdminEditUpdate, AdminPatchOperation } from "./AdminEdit";
