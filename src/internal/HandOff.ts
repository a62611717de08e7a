import { HttpService, MessagingService } from "@rbxts/services";
import { ServiceState } from "./ServiceState";

/**
 * Fast hand-off between live servers. A server that wants a profile another server of ours holds asks the holder,
 * through MessagingService, to save and release it now rather than at its next auto-save; the holder answers once
 * the release has reached the DataStore. Everything here is best effort: a lost message or an original
 * ProfileService holder just falls back to the ForceLoad protocol.
 * @internal
 */
interface HandOffMessage {
	t: "release" | "released";
	s: string;
	k: string;
	j: string;
}

const TOPIC_PREFIX = "ProfileService_HandOff_";

const waiters = new Map<string, thread[]>();
let subscribed = false;
let subscribing = false;

function topicOf(jobId: string) {
	return TOPIC_PREFIX + jobId;
}

function waiterId(lookup: string, key: string) {
	return `${lookup}\0${key}`;
}

function publish(jobId: string, message: HandOffMessage) {
	task.spawn(() => {
		pcall(() => MessagingService.PublishAsync(topicOf(jobId), HttpService.JSONEncode(message)));
	});
}

function onMessage(raw: unknown) {
	const [ok, message] = pcall(() => HttpService.JSONDecode(raw as string) as HandOffMessage);
	if (!ok || !typeIs(message, "table")) return;
	if (message.t === "released") {
		const id = waiterId(message.s, message.k);
		const list = waiters.get(id);
		if (list === undefined) return;
		waiters.delete(id);
		for (const thread of list) task.spawn(thread, true);
	} else if (message.t === "release") {
		const profile = ServiceState.loaded.get(`live\0${message.s}`)?.get(message.k);
		const reply: HandOffMessage = { t: "released", s: message.s, k: message.k, j: ServiceState.jobId };
		if (profile === undefined) {
			publish(message.j, reply);
			return;
		}
		profile.onHopReady(() => publish(message.j, reply));
		profile.requestRelease();
	}
}

/** Subscribes this server to its hand-off topic, once, in the background. */
export function ensureHandOffSubscribed() {
	if (subscribed || subscribing || ServiceState.jobId === "") return;
	subscribing = true;
	task.spawn(() => {
		const [ok] = pcall(() =>
			MessagingService.SubscribeAsync(topicOf(ServiceState.jobId), (message) => onMessage(message.Data)),
		);
		subscribed = ok;
		subscribing = false;
	});
}

/**
 * Asks the server `holderJobId` to release the profile, and waits up to `timeout` seconds for its answer.
 * Returns true when the holder reported the release.
 */
export function requestHandOff(holderJobId: string, lookup: string, key: string, timeout: number): boolean {
	if (holderJobId === "" || ServiceState.jobId === "") return false;
	ensureHandOffSubscribed();
	const id = waiterId(lookup, key);
	const thread = coroutine.running();
	let list = waiters.get(id);
	if (list === undefined) {
		list = [];
		waiters.set(id, list);
	}
	list.push(thread);
	let answered = false;
	const timer = task.delay(timeout, () => {
		const current = waiters.get(id);
		const index = current?.indexOf(thread) ?? -1;
		if (current && index !== -1) {
			current.remove(index);
			if (current.size() === 0) waiters.delete(id);
			task.spawn(thread, false);
		}
	});
	publish(holderJobId, { t: "release", s: lookup, k: key, j: ServiceState.jobId });
	answered = coroutine.yield()[0] as boolean;
	if (answered) task.cancel(timer);
	return answered;
}
