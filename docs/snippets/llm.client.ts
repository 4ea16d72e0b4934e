import { Injectable } from '@nestjs/common';

/**
 * The application's LLM client, as the snippets use it: a stand-in that answers with the first
 * sentence (the testing snippet replaces it with a fake of its own).
 */
@Injectable()
export class LlmClient {
  summarise(text: string, options: { signal: AbortSignal }): Promise<string> {
    options.signal.throwIfAborted();
    return Promise.resolve(text.split('. ')[0]);
  }
}
