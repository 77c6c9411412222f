import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { lazy } from '@cell/protocol';
import { ServedCell } from './node-contract.ts';

/** What a node tells others about itself (gossip, node-info): where its directory is, what it serves. */
export const AnnouncementSchema = Type.Object({
  v: Type.Literal(1),
  node: Type.String({ minLength: 1, maxLength: 128 }),
  directory: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 32 }),
  cells: Type.Array(ServedCell, { maxItems: 1000 }),
});

export type Announcement = Static<typeof AnnouncementSchema>;

const checker = lazy(() => Compile(AnnouncementSchema));
/** Announcements larger than this are ignored unread. */
export const MAX_ANNOUNCEMENT_BYTES = 1 << 20;

/** The announcement in `data`, or undefined for anything malformed or oversized (peers may send garbage). */
export function parseAnnouncement(data: Uint8Array): Announcement | undefined {
  if (data.byteLength > MAX_ANNOUNCEMENT_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  return checker().Check(value) ? value : undefined;
}

export function encodeAnnouncement(a: Announcement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(a));
}
