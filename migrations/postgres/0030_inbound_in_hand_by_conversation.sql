-- Messages in hand per conversation: a worker about to handle a message checks whether another live instance is
-- still handling an earlier message of the same group (per-group order across instances).
CREATE INDEX inbound_processing_by_conversation ON inbound (conversation_id, id) WHERE status = 'processing';
