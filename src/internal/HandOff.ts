import { sessionKey } from "./Keys";
import { HttpService, MessagingService } from "@rbxts/services";
import { Settings } from "./Constants";
import type { Advert } from "./LockProtocol";
import { ServiceState, type HandOffWait } from "./ServiceState";

/**
 * Fast hand-off between live servers, and a liveness probe for a holder that may have crashed. A server that wants a
 * profile another server holds first writes its ForceLoadSession (the original protocol), then asks the holder,
 * through MessagingService, to release it now rather than at its next auto-save. A holder running this library
 * acknowledges; while the requester keeps saying it is still waiting, the release hands the lock straight to it
 * (ActiveSession = the requester's ForceLoadSession), so the requester reads the profile with a GetAsync instead of
 * waiting out its own write cooldown for another UpdateAsync.
 *
 * Messages may be lost, delayed or never heard, and either server may die: nothing here is trusted beyond what it
 * can prove, and no lock rule depends on a message. A request names the session it wants ended, so a late one
 * cannot end a later session; a hand-over needs a message from the requester within the last second; and each
 * server checks, by sending itself a message now and then, that its own listener hears (its locks say so, for
 * tools and logs).
 * @internal
 */
export interface HandOffMessage {
	/**
	 * "release": please release (and hand the lock to my ForceLoadSession); "wait": still waiting for it; "cancel": no
	 * longer waiting; "ack": releasing now; "released": the release reached the DataStore (or I do not hold it);
	 * "ping": a server's message to itself.
	 */
	t: "release" | "wait" | "cancel" | "ack" | "released" | "ping";
	s: string;
	k: string;
	j: string;
	/** SessionLoadCount of the holder's session the request is about. */
	n?: number;
	/** The requester's heartbeat counter (0: not written): the handed lock claims it. */
	h?: number;
	/** The requester's store's AutoSavePeriod, for the handed lock's marker. */
	p?: number;
}

const TOPIC_PREFIX = "ProfileService_HandOff_";

function topicOf(jobId: string) {
	return TOPIC_PREFIX + jobId;
}

function waiterId(lookup: string, key: string) {
	return sessionKey(false, lookup, key);
}

function publish(jobId: string, message: HandOffMessage) {
	task.spawn(() => {
		pcall(() => MessagingService.PublishAsync(topicOf(jobId), HttpService.JSONEncode(message)));
	});
}

/** Whether this server's hand-off listener has heard this server's own messages recently. @internal */
export function listenerVerified(): boolean {
	const heard = ServiceState.handOffHeardSelf;
	return (
		ServiceState.handOffSubscription === "yes" &&
		heard !== undefined &&
		os.clock() - heard <= Settings.ListenerVerifiedFor
	);
}

/**
 * Answers a request to release (from a message, or from this server's heartbeat inbox): the holder acknowledges,
 * notes the requester's grant for the hand-over, and releases at once. An inbox item says when it was read, not
 * that its sender still waits (`fromInbox`): only the requester's own messages make a grant fresh enough to hand
 * the lock over (LockProtocol.handOverTo).
 * @internal
 */
export function answerReleaseRequest(message: HandOffMessage, fromInbox = false) {
	const reply = (t: HandOffMessage["t"]) =>
		publish(message.j, { t, s: message.s, k: message.k, j: ServiceState.jobId });
	const id = sessionKey(false, message.s, message.k);
	const loaded = ServiceState.loaded.get(sessionKey(false, message.s))?.get(message.k);
	const profile = loaded ?? ServiceState.releasing.get(id);
	if (profile === undefined) {
		reply("released");
		return;
	}
	// A request about another session of this key (delivered late, after this server loaded the key again) is not
	// about this one: the requester, if it still wants the key, asks again about the session it now sees.
	if (message.n !== profile.MetaData.SessionLoadCount) return;
	const counter = message.h;
	const period = message.p;
	const earlier = ServiceState.handOffGrants.get(id);
	const heard = earlier !== undefined && earlier.job === message.j ? earlier.heardAt : -math.huge;
	ServiceState.handOffGrants.set(id, {
		job: message.j,
		loadCount: message.n,
		heardAt: fromInbox ? heard : os.clock(),
		heartbeat: typeIs(counter, "number") && counter > 0 && counter % 1 === 0 ? counter : 0,
		period: typeIs(period, "number") && period > 0 ? period : Settings.AutoSaveSeconds,
	});
	reply("ack");
	profile.onHopReady(() => reply("released"));
	if (loaded !== undefined) profile.requestRelease();
}

function onMessage(raw: unknown) {
	const [ok, message] = pcall(() => HttpService.JSONDecode(raw as string) as HandOffMessage);
	if (!ok || !typeIs(message, "table")) return;
	if (message.j === ServiceState.jobId && message.t === "ping") ServiceState.handOffHeardSelf = os.clock();
	if (message.t === "ack" || message.t === "released") {
		const state = ServiceState.handOffWaits.get(waiterId(message.s, message.k));
		if (state === undefined) return;
		if (message.t === "ack") state.acked = true;
		else state.released = true;
	} else if (message.t === "release") {
		answerReleaseRequest(message);
	} else if (message.t === "wait" || message.t === "cancel") {
		const id = sessionKey(false, message.s, message.k);
		const grant = ServiceState.handOffGrants.get(id);
		if (grant === undefined || grant.job !== message.j) return;
		if (message.t === "wait") grant.heardAt = os.clock();
		else ServiceState.handOffGrants.delete(id);
	}
}

/** Whether this server holds or loads profiles, so that its listener's checks are worth their messages. */
function listenerNeeded() {
	return (
		!ServiceState.locked &&
		(ServiceState.autoSave.size() > 0 || ServiceState.activeLoadJobs > 0 || ServiceState.releasing.size() > 0)
	);
}

/** Sends this server a message every ListenerPingInterval while it has profiles, to verify its listener hears. */
function startListenerCheck() {
	if (ServiceState.handOffPinging) return;
	ServiceState.handOffPinging = true;
	task.spawn(() => {
		while (listenerNeeded()) {
			publish(ServiceState.jobId, { t: "ping", s: "", k: "", j: ServiceState.jobId });
			task.wait(Settings.ListenerPingInterval);
		}
		ServiceState.handOffPinging = false;
	});
}

/**
 * Subscribes this server to its hand-off topic, once, and keeps its listener's check running. The first call waits
 * (up to ListenerFirstCheck seconds) for the subscription and the first check, so that the first lock this server
 * takes can already say that its listener works.
 * @internal
 */
export function ensureHandOffSubscribed() {
	if (ServiceState.jobId === "") return;
	const failedAt = ServiceState.handOffSubscribeFailedAt;
	const mayTry = failedAt === undefined || os.clock() - failedAt >= Settings.SubscribeRetry;
	if (ServiceState.handOffSubscription === "no" && mayTry) {
		ServiceState.handOffSubscription = "subscribing";
		task.spawn(() => {
			const [ok] = pcall(() =>
				MessagingService.SubscribeAsync(topicOf(ServiceState.jobId), (message) => onMessage(message.Data)),
			);
			ServiceState.handOffSubscription = ok ? "yes" : "no";
			// Until a later load retries, this server's locks claim no listener: the original protocol applies.
			if (!ok) ServiceState.handOffSubscribeFailedAt = os.clock();
			else startListenerCheck();
		});
		const started = os.clock();
		while (
			(ServiceState.handOffSubscription === "subscribing" ||
				(ServiceState.handOffSubscription === "yes" && ServiceState.handOffHeardSelf === undefined)) &&
			os.clock() - started < Settings.ListenerFirstCheck
		) {
			task.wait();
		}
	} else if (ServiceState.handOffSubscription === "yes") {
		startListenerCheck();
	}
}

/** Tells the holder this server no longer waits for the key (best effort: an unheard cancel expires anyway). */
function cancelRequest(holderJobId: string, lookup: string, key: string) {
	publish(holderJobId, { t: "cancel", s: lookup, k: key, j: ServiceState.jobId });
}

/**
 * Asks the server `holderJobId` to end its session `loadCount` of the profile, repeating the request every
 * ProbeInterval seconds up to ProbeRequests times while it does not answer, each with an echo to this server. Once
 * the holder acknowledges, says "still waiting" every HandOffWaitPing seconds for up to HandOffReleaseWait seconds
 * while the release reaches the DataStore. Stops as soon as `wanted()` is false; a request that ends without the
 * release tells the holder, so that it does not hand the lock to a server no longer waiting. Returns whether the
 * holder said its release landed. `advert` gives what this server's lock of the key would claim now (its period and
 * heartbeat), for the marker of a handed lock.
 * @internal
 */
export function probeHolder(
	holderJobId: string,
	loadCount: number,
	lookup: string,
	key: string,
	advert: () => Advert,
	wanted: () => boolean,
): boolean {
	if (holderJobId === "" || ServiceState.jobId === "") return false;
	ensureHandOffSubscribed();
	const id = waiterId(lookup, key);
	const state: HandOffWait = { acked: false, released: false, sent: 0 };
	ServiceState.handOffWaits.set(id, state);
	let lastSent = 0;
	const request = (t: "release" | "wait") => {
		lastSent = os.clock();
		const message: HandOffMessage = { t, s: lookup, k: key, j: ServiceState.jobId, n: loadCount };
		if (t === "release") {
			state.sent += 1;
			const own = advert();
			message.h = own.heartbeat;
			message.p = own.period;
		}
		publish(holderJobId, message);
	};
	request("release");
	let ackedAt: number | undefined;
	let released = false;
	for (;;) {
		task.wait(0.1);
		if (state.released) {
			released = true;
			break;
		}
		if (!wanted()) break;
		if (state.acked) {
			ackedAt ??= os.clock();
			if (os.clock() - ackedAt >= Settings.HandOffReleaseWait) break;
			if (os.clock() - lastSent >= Settings.HandOffWaitPing) request("wait");
			continue;
		}
		if (os.clock() - lastSent < Settings.ProbeInterval) continue;
		if (state.sent >= Settings.ProbeRequests) break;
		request("release");
	}
	if (ServiceState.handOffWaits.get(id) === state) ServiceState.handOffWaits.delete(id);
	if (!released) cancelRequest(holderJobId, lookup, key);
	return released;
}
