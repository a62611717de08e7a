/**
 * Timings and limits. The lock protocol values match the original ProfileService so that mixed fleets agree on
 * when a lock is dead; the write spacing follows the DataStore guide's 6 s per-key cooldown.
 * @internal
 */
export const Settings = {
	/**
	 * Every loaded profile is saved once per its store's AutoSavePeriod, by default this many seconds (the
	 * original's), spread evenly over the profiles of that period.
	 */
	AutoSaveSeconds: 30,
	/** Bounds of a store's AutoSavePeriod, in seconds. */
	MinAutoSavePeriod: 10,
	MaxAutoSavePeriod: 1200,
	/**
	 * A holder confirms each of its locks at least this often: a save that landed, or a read (GetAsync, no write)
	 * when no save did. A request that another server wrote into the lock (a ForceLoad, which the original sends
	 * without any message) is seen at the latest then, well within the original's steal, whatever the period.
	 */
	LockConfirmSeconds: 32,
	/** Seconds between two confirmation reads of a lock while they fail. */
	LockConfirmRetry: 3,
	/**
	 * A holder whose lock has not been confirmed for this many seconds (every save and read of it failed, or could
	 * not be sent for budget) ends its session: no ForceLoad can take a lock sooner than 63 s after the request
	 * landed (9 rounds 7 s apart, the original's and ours), and the request landed after the last confirmation, so
	 * the session has ended before any steal. The release keeps trying, so nothing is lost that could be saved.
	 */
	LockLease: 55,
	/**
	 * A holder whose lock write has not landed for this many seconds ends its session: the original's 30-minute
	 * rule (AssumeDeadSessionLock, judged on another server's clock) would soon let anyone take it.
	 */
	LockWriteLapse: 25 * 60,
	/** Seconds before a failed auto-save is sent again, doubled after each failure up to AutoSaveRetryMax. */
	AutoSaveRetry: 6,
	AutoSaveRetryMax: 30,
	/**
	 * GetAsync may answer from this server's read cache (4 s in Roblox's guide, 5 s as an emulator author measured):
	 * what a read shows may be this much older than the request.
	 */
	ReadCacheSeconds: 5,
	/** Minimum seconds between two writes to one key from this server (the DataStore write cooldown). */
	WriteCooldown: 6,
	/** ForceLoad steps (writes that find our ForceLoadSession still pending) before the lock is stolen. */
	ForceLoadMaxSteps: 8,
	/**
	 * The spacing of ForceLoad rounds, the original's (its RobloxWriteCooldown), against every holder: the steps then
	 * take at least 63 s from the request to the steal, the time every holder's lock upkeep is built on (LockLease).
	 */
	OriginalStepSeconds: 7,
	/** A lock whose LastUpdate is older than this is dead and taken at once. */
	AssumeDeadSessionLock: 30 * 60,
	/** Seconds a "Repeat" from a not-released handler waits before trying again. */
	RepeatDelay: 15,
	/** Issues within IssueLast seconds that start the critical state. */
	IssueCountForCriticalState: 5,
	IssueLast: 120,
	/** Seconds without issues that end the critical state. */
	CriticalStateLast: 120,
	/** DataStore limits (Roblox's data stores guide). */
	MaxKeyLength: 50,
	MaxNameLength: 50,
	MaxValueLength: 4194304,
	/** Characters of a key's encoded metadata. */
	MaxMetadataLength: 300,
	/** Characters of one metadata key, and of one metadata value once encoded. */
	MaxMetadataKeyLength: 50,
	MaxMetadataValueLength: 250,
	/** User ids a key can hold. */
	MaxUserIds: 4,
	/** Share of the value limit past which every save warns. */
	SizeWarningShare: 0.8,
	/** Share of the value limit from which every save measures the encoded size (adapters that validate values). */
	SizeCheckShare: 0.5,
	/** Below SizeCheckShare, saves between two size measurements (adapters that validate values). */
	SizeCheckEvery: 20,
	/** Seconds between two hand-off requests to a holder that has not answered (each is also a liveness probe). */
	ProbeInterval: 1,
	/** Hand-off requests sent to a holder that does not answer before the probe concludes. */
	ProbeRequests: 10,
	/** Seconds a load waits for an acknowledged release (the holder's write cooldown plus a round trip). */
	HandOffReleaseWait: 10,
	/** The MemoryStore hash map of server heartbeats: key = JobId, value = a counter the server increments. */
	HeartbeatMap: "ProfileService_Heartbeat",
	/**
	 * Seconds between two heartbeats of a server that holds profiles (a failed one is retried within the interval,
	 * HeartbeatRetries times, so that an error rate alone never starves it).
	 */
	HeartbeatInterval: 1,
	HeartbeatRetries: 2,
	/** Items a server's heartbeat inbox holds at most (an entry holds 32 KB; an item is about 150 bytes). */
	InboxLimit: 150,
	/** Attempts to put a gift notice into the holder's inbox (a notice lost costs one auto-save period at most). */
	NoticeTries: 10,
	/** Seconds between two attempts to put an item into another server's inbox. */
	InboxRetry: 0.5,
	/** Seconds a heartbeat entry outlives its last refresh. */
	HeartbeatTtl: 120,
	/**
	 * A requester judges a holder's heartbeat stale once two of its own successful reads this many seconds apart
	 * (by its own clock) found the same value.
	 */
	HeartbeatStale: 14,
	/**
	 * A holder whose heartbeat has not been written for this many seconds (its MemoryStore calls fail, or its
	 * heartbeat thread is late) rewrites every lock that claims the heartbeat, without the claim (the fence), well
	 * before a requester can judge it stale: from then on the ForceLoad steps alone apply to it. Three whole
	 * heartbeats with their retries must fail first, so random errors (0.3^9 at a 30 % error rate) do not set it
	 * off; outages and cut-off servers do.
	 */
	HeartbeatFence: 4,
	/**
	 * A holder whose lock may still claim a heartbeat that has not been written for this many seconds (the fence has
	 * not landed) ends that session: a requester can judge the heartbeat stale HeartbeatStale seconds after its last
	 * write at the earliest, so the session has ended before any steal.
	 */
	HeartbeatSelfEnd: 10,
	/**
	 * A release hands the lock to a requester only if its last message arrived within this many seconds: one that
	 * stopped waiting (it crashed, or gave up) is never handed a lock it would leave standing.
	 */
	HandOffGrantFresh: 1,
	/** Seconds between a waiting requester's "still waiting" messages to the holder. */
	HandOffWaitPing: 0.4,
	/** Seconds between two messages this server sends itself to verify that its hand-off listener receives. */
	ListenerPingInterval: 20,
	/** Seconds after a failed hand-off SubscribeAsync before a load tries again. */
	SubscribeRetry: 60,
	/** Seconds a server's first load waits for its hand-off subscription and the first check of its listener. */
	ListenerFirstCheck: 2,
	/** The listener counts as verified for this long after it last heard this server's own message. */
	ListenerVerifiedFor: 100,
	/** GetAsync budget below which a load that was handed the lock takes it with its next UpdateAsync instead. */
	HandOffReadBudget: 20,
	/**
	 * Failed readings of a key's versions after which GlobalUpdateProfileAsync stops trying to find out whether its
	 * earlier attempt landed, and errors.
	 */
	UncertainListingTries: 5,
	/** Budget a request leaves for others before backing off (the server-close saves need headroom). */
	BudgetReserve: 1,
	/** Budget that only urgent requests (releases) may spend, so that auto-saves and reads never starve them. */
	UrgentBudget: 2,
} as const;

/** MetaData fields that every save copies from the stored profile into the live one. @internal */
export const MetaDataUpdatedFields = [
	"ProfileCreateTime",
	"SessionLoadCount",
	"ActiveSession",
	"ForceLoadSession",
	"LastUpdate",
] as const;
