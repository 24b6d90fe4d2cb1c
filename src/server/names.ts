import { ENUMS, hex32 } from "../kmip/enums.js";

/** The KMIP name of a value of enumeration `enumName` (`0x...` when unknown), for logs. */
export function enumValueName(enumName: string, value: number | undefined): string {
  if (value === undefined) return "(none)";
  return ENUMS.get(enumName)?.byValue.get(value) ?? hex32(value);
}

/** The KMIP name of an Operation value. */
export function operationName(operation: number | undefined): string {
  return enumValueName("Operation", operation);
}
