//! The dashboard text of the posting pages: 选品库, picks, 发单, 群发, 采集, campaigns, robots.
