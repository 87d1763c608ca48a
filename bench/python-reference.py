"""The Python reference's streaming loop (shared/reference/remote_llm_provider.py, chat_stream) as a bench peer.

Speaks JSON lines on stdin/stdout: {"type": "run", "url", "events"} -> reads one stream from the bench gateway
and answers {"type": "result", "ms", "contentLength"}; {"type": "rss"} -> {"type": "rss", "maxRss"} (bytes).
The loop is the reference's: httpx AsyncClient.stream, aiter_lines, strip, "data: " prefix, [DONE],
json.loads, an error check, and a StreamChunk built per event. contentLength counts UTF-16 code units, as the
JavaScript clients do, so the totals compare.
"""
import asyncio
import json
import resource
import sys
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class StreamChunk:
    content: str
    model: str
    tool_calls: list = field(default_factory=list)
    usage: object = None
    is_final: bool = False


def parse_chunk(data, model):
    tool_calls = [
        {"id": tc.get("id", ""), "name": tc.get("name", ""), "arguments": tc.get("arguments") or {}}
        for tc in data.get("tool_calls") or []
    ]
    return StreamChunk(
        content=data.get("content", ""),
        model=data.get("model", model),
        tool_calls=tool_calls,
        usage=data.get("usage") or None,
        is_final=data.get("is_final", False),
    )


async def run(client, url, events):
    payload = {"model": "bench", "messages": [{"role": "user", "content": "bench"}], "max_tokens": events}
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    length = 0
    async with client.stream("POST", f"{url}/api/v1/llm/chat/stream", json=payload, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")
        async for line in response.aiter_lines():
            line = line.strip()
            if not line or not line.startswith("data: "):
                continue
            data_str = line[6:]
            if data_str == "[DONE]":
                break
            data = json.loads(data_str)
            if "error" in data:
                raise RuntimeError(f"Stream error: {data.get('detail', data['error'])}")
            chunk = parse_chunk(data, "bench")
            length += len(chunk.content.encode("utf-16-le")) // 2
    return length


async def main():
    client = httpx.AsyncClient(timeout=120.0)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    send = lambda message: print(json.dumps(message), flush=True)
    send({"type": "ready"})
    while line := await reader.readline():
        message = json.loads(line)
        if message["type"] == "run":
            started = time.perf_counter()
            try:
                length = await run(client, message["url"], int(message["events"]))
                send({"type": "result", "ms": (time.perf_counter() - started) * 1000, "contentLength": length})
            except Exception as error:  # reported to the bench, which fails the run with it
                send({"type": "result", "error": repr(error)})
        elif message["type"] == "rss":
            send({"type": "rss", "maxRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    await client.aclose()


asyncio.run(main())
