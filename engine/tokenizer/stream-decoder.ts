// Incremental decoding for streamed generation. A token can end in the middle of a UTF-8 character
// (byte-level BPE splits rare characters and emoji across tokens), so bytes are fed to a streaming
// TextDecoder, which holds back an incomplete trailing sequence until the bytes that complete it arrive.
// Invalid bytes become U+FFFD as soon as they are known to be invalid, exactly as `decode` renders them,
// so the concatenation of every push() and the final flush() equals decode() of the same ids.

export interface StreamDecoder {
  /** Adds one token; returns the text that is now complete (possibly ''). */
  push(id: number): string;
  /** Ends the stream: returns whatever was held back (an incomplete character becomes U+FFFD). */
  flush(): string;
}

export class Utf8StreamDecoder implements StreamDecoder {
  // ignoreBOM: a U+FEFF at the start of the output is text, not a byte-order mark to strip.
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly bytesOf: (id: number) => Uint8Array) {}

  push(id: number): string {
    return this.utf8.decode(this.bytesOf(id), { stream: true });
  }

  flush(): string {
    return this.utf8.decode();
  }
}
