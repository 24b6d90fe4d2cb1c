/** Requests and checks shared by the Add / Delete Attribute TLS tests. */
import { Operation } from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { Session } from "./session.js";

/** The key's Name as Get Attributes reports it (1.x form); undefined when it has none. */
export async function nameOf(session: Session, uid: string): Promise<string | undefined> {
  const payload = await session.ok(
    Operation.GetAttributes,
    [build.textString(Tag.UniqueIdentifier, uid), build.textString(Tag.AttributeName, "Name")],
    { major: 1, minor: 4 },
  );
  const attribute = findChild(payload, Tag.Attribute);
  if (attribute === undefined) return undefined;
  const value = findChild(attribute, Tag.AttributeValue);
  return value === undefined ? undefined : (findChild(value, Tag.NameValue)?.value as string);
}
