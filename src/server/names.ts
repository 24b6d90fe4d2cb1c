import { Operation } from "../kmip/enums.js";

const OPERATION_NAMES = new Map<number, string>(
  Object.entries(Operation).map(([name, value]) => [value, name]),
);

/** The KMIP name of an Operation value, for log lines and messages. */
export function operationName(operation: number | undefined): string {
  if (operation === undefined) return "(none)";
  return OPERATION_NAMES.get(operation) ?? `0x${operation.toString(16).padStart(8, "0")}`;
}
