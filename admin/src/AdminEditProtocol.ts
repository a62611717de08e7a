/**
 * The tool's half of the edit protocol whose game half is the library's src/AdminEdit.ts: the global update an
 * edit of a held profile becomes, and the receipt the game leaves in MetaTags once it applied (or refused) it.
 * Both halves must agree on these names and shapes.
 */
import type { PatchOperation } from "./JsonPatch.js";
import type { ProfileValue, StoredGlobalUpdate } from "./ProfileValue.js";

export const ADMIN_EDIT_TYPE = "ProfileServiceAdminEdit";
export const RECEIPT_TAG = "ProfileServiceAdmin";
/** Receipts the game keeps (src/AdminEdit.ts RECEIPTS_KEPT). */
const RECEIPTS_KEPT = 10;

export interface Receipt {
	Id: string;
	Result: "applied" | "refused";
	Problem?: string;
	Reason?: string;
	At: number;
}

/** The value with the edit appended as a new Active global update, as GlobalUpdates:AddActiveUpdate does. */
export function withEditUpdate(
	value: ProfileValue,
	id: string,
	patch: PatchOperation[],
	reason?: string,
): ProfileValue {
	const updates = value.GlobalUpdates;
	const index = updates[0] + 1;
	const data: Record<string, unknown> = { Type: ADMIN_EDIT_TYPE, Id: id, Patch: patch };
	if (reason !== undefined) data.Reason = reason;
	updates[0] = index;
	updates[1].push([index, 1, false, data]);
	return value;
}

export function findEditUpdate(value: ProfileValue, id: string): StoredGlobalUpdate | undefined {
	return value.GlobalUpdates[1].find((update) => update[3]?.Type === ADMIN_EDIT_TYPE && update[3]?.Id === id);
}

export function findReceipt(value: ProfileValue, id: string): Receipt | undefined {
	const receipts = value.MetaData.MetaTags?.[RECEIPT_TAG];
	return Array.isArray(receipts) ? (receipts as Receipt[]).find((receipt) => receipt?.Id === id) : undefined;
}

/** Records a receipt as the game does, for an edit the tool applied itself after the holder released. */
export function addReceipt(value: ProfileValue, receipt: Receipt) {
	const tags = (value.MetaData.MetaTags ??= {});
	const previous = tags[RECEIPT_TAG];
	const receipts = Array.isArray(previous) ? [...previous] : [];
	receipts.push(receipt);
	tags[RECEIPT_TAG] = receipts.slice(-RECEIPTS_KEPT);
}
