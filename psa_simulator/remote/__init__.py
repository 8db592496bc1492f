"""The remote-services half of the simulator: pairing (SMS, inWebo OTP), MQTT tokens, the
TLS broker and the cars on it. Independent of the integration's client (nothing imported)."""
