export type { ChunkTranslator } from '../stream-translation';
export type FrameReaderLike<F> = (body: AsyncIterable<Buffer>) => AsyncIterable<F[]>;
