import { Type } from 'typebox';

/** What every server of the gateway bench does for POST /orders/place: the input schema, and the answer. */
export const PLACE_INPUT = Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) });

let placed = 0;
export function place(input: { sku: string; qty: number }): { id: string; qty: number } {
  placed++;
  return { id: `${input.sku}-${placed}`, qty: input.qty };
}
