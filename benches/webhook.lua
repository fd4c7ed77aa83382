-- wrk script: GeWe AddMsg group text callbacks without links, each with a unique NewMsgId.
-- usage: wrk -t2 -c32 -d15s -s benches/webhook.lua http://127.0.0.1:8080/webhook/gewe/bench/<secret>
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(tid) or 0
end

function request()
  counter = counter + 1
  local id = string.format("70%03d%014d", thread_id, counter)
  local now = os.time()
  local body = '{"TypeName":"AddMsg","Appid":"wx_bench_robot_00000000001","Wxid":"wxid_bench_bot","Data":{'
    .. '"MsgId":702115583,"FromUserName":{"string":"2093145' .. (counter % 50) .. '@chatroom"},'
    .. '"ToUserName":{"string":"wxid_bench_bot"},"MsgType":1,'
    .. '"Content":{"string":"wxid_m3mb3r' .. (counter % 200) .. ':\\n今天天气不错，大家晚上吃什么？"},'
    .. '"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},"CreateTime":' .. now .. ','
    .. '"MsgSource":"<msgsource><membercount>212</membercount></msgsource>",'
    .. '"PushContent":"阿明 : 今天天气不错","NewMsgId":' .. id .. ',"MsgSeq":812345678}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
