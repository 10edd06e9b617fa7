#!/usr/bin/env bash
# Regenerates the media fixtures with the real ffmpeg (Debian 12: ffmpeg 5.1, libx264, libx265, libaom).
# The tests assert what ffmpeg was told here. Output differs byte-wise between encoder versions, which is fine.
set -euo pipefail
cd "$(dirname "$0")"
q="-hide_banner -loglevel error -y"
ffmpeg $q -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -c:v libx264 -profile:v high -preset veryfast -b:v 400k -g 60 -c:a aac -ac 2 -ar 48000 -b:a 64k -t 2 \
  -f flv Flv/h264_high_720p30_aac48k.flv
ffmpeg $q -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=300:sample_rate=44100 \
  -c:v libx264 -profile:v baseline -level 3.0 -preset veryfast -b:v 200k -g 25 -c:a aac -ac 2 -ar 44100 -b:a 48k -t 1 \
  -f flv Flv/h264_baseline_360p25_aac44k.flv
# High 4:4:4 with the JVT quantisation matrices: exercises chroma_format_idc=3 and scaling lists in the SPS.
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libx264 -profile:v high444 -pix_fmt yuv444p \
  -x264-params cqm=jvt -frames:v 2 -f flv Flv/h264_high444_cqm_240p.flv
ffmpeg $q -f lavfi -i sine=sample_rate=22050 -c:a aac -ac 1 -t 0.3 -f flv Flv/aac_mono_22k.flv
# ffmpeg 5.1 cannot write HEVC/AV1 into FLV (Enhanced RTMP muxing arrived in ffmpeg 6.1), so the hvcC/av1C
# records come from MP4 files written by the same encoders; the tests wrap them in Enhanced RTMP tags.
ffmpeg $q -f lavfi -i testsrc2=size=1280x720:rate=30 -c:v libx265 -tag:v hvc1 -x265-params log-level=error -frames:v 1 Mp4/hevc_main_1280x720.mp4
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libx265 -tag:v hvc1 -x265-params log-level=error -frames:v 1 Mp4/hevc_main_320x240.mp4
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libaom-av1 -cpu-used 8 -frames:v 1 Mp4/av1_320x240.mp4
# MPEG-TS as SRT ingest receives it (TsDemuxerTests): High with B-frames on ffmpeg's default PIDs, and Baseline mono
# on other PIDs (PMT 0x30, streams from 0x40).
mkdir -p MpegTs
ffmpeg $q -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -c:v libx264 -profile:v high -preset veryfast -b:v 200k -g 30 -bf 2 -c:a aac -ac 2 -ar 48000 -b:a 48k -t 2 \
  -f mpegts MpegTs/h264_high_360p30_aac48k.ts
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=300:sample_rate=44100 \
  -c:v libx264 -profile:v baseline -preset veryfast -b:v 100k -g 25 -c:a aac -ac 1 -ar 44100 -b:a 32k -t 1 \
  -mpegts_start_pid 0x40 -mpegts_pmt_start_pid 0x30 -f mpegts MpegTs/h264_baseline_240p25_aac44k_mono.ts
