// Answers of Twilio's Messages API (POST /2010-04-01/Accounts/{AccountSid}/Messages.json) in the
// shape its documentation gives: the created message on 201, and its error body
// {code, message, more_info, status} otherwise.

/** 201 Created: the message resource, queued for sending. */
export function createdMessage(fields: { accountSid: string; to: string; from: string; body: string }) {
  return {
    account_sid: fields.accountSid,
    api_version: "2010-04-01",
    body: fields.body,
    date_created: "Thu, 24 Aug 2023 05:01:45 +0000",
    date_sent: null,
    date_updated: "Thu, 24 Aug 2023 05:01:45 +0000",
    direction: "outbound-api",
    error_code: null,
    error_message: null,
    from: fields.from,
    messaging_service_sid: null,
    num_media: "0",
    num_segments: "1",
    price: null,
    price_unit: null,
    sid: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    status: "queued",
    subresource_uris: {
      media: `/2010-04-01/Accounts/${fields.accountSid}/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media.json`,
    },
    to: fields.to,
    uri: `/2010-04-01/Accounts/${fields.accountSid}/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json`,
  };
}

/** 400: the `To` number is not a valid phone number. */
export const invalidToNumber = {
  code: 21211,
  message: "Invalid 'To' Phone Number: +1555000000X",
  more_info: "https://www.twilio.com/docs/errors/21211",
  status: 400,
};

/** 401: the account SID and auth token do not match. */
export const authenticationFailed = {
  code: 20003,
  message: "Authenticate",
  more_info: "https://www.twilio.com/docs/errors/20003",
  status: 401,
};

/** 429: too many requests. */
export const tooManyRequests = {
  code: 20429,
  message: "Too Many Requests",
  more_info: "https://www.twilio.com/docs/errors/20429",
  status: 429,
};

/** 503: the service is unavailable for now. */
export const serviceUnavailable = {
  code: 20503,
  message: "Service Unavailable",
  more_info: "https://www.twilio.com/docs/errors/20503",
  status: 503,
};
