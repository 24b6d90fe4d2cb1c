/**
 * PKCS#5 padding (RFC 8018 section 6.1.1 step 4, as KMIP's Padding Method PKCS5 means it for
 * 16-byte AES blocks: PKCS#7, RFC 5652 section 6.3) done by the relay for AES-ECB, which
 * PKCS#11 offers unpadded only (CKM_AES_ECB). The block cipher itself runs on the token.
 */

/** `data` followed by n bytes of value n, 1 <= n <= block: a whole number of blocks. */
export function pad(data: Uint8Array, block: number): Uint8Array {
  const n = block - (data.length % block);
  const out = new Uint8Array(data.length + n);
  out.set(data);
  out.fill(n, data.length);
  return out;
}

/** `data` without its padding; undefined when the padding is not well formed. */
export function unpad(data: Uint8Array, block: number): Uint8Array | undefined {
  const n = data[data.length - 1];
  if (n === undefined || n < 1 || n > block || data.length % block !== 0) return undefined;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return undefined;
  return data.subarray(0, data.length - n);
}
