"""SMS reminders from central (一书两提醒): a queue in the database and the senders that empty it.

``queue.enqueue`` queues a text for a unit's contact (sealed phone, idempotent by key);
``queue.deliver_due`` sends what is due through an ``SmsSender`` within a rate limit,
retrying transient failures with back-off; ``worker`` runs it in the background of
the central service. Senders: ``webhook.WebhookSender`` (HMAC-signed JSON over HTTPS)
and ``aliyun.AliyunSender`` (Alibaba Cloud SMS ``SendSms``); ``config`` picks one from
the environment. Only ``central.sms.http`` talks HTTP (httpx); nothing here logs a
phone number.
"""
